package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// siteRequest is the body of PUT /v1/sites/{siteId}. It also takes what GET
// answers (siteId, which must name the site, and updatedAt, ignored), so a
// fetched site can be put back.
type siteRequest struct {
	SiteID                  string          `json:"siteId"`
	Name                    string          `json:"name"`
	Country                 string          `json:"country"`
	Address                 addressRequest  `json:"address"`
	EmergencyCallbackNumber string          `json:"emergencyCallbackNumber"`
	Notify                  json.RawMessage `json:"notify"`
	Networks                []string        `json:"networks"`
	NotifySMS               []string        `json:"notifySms"`
	NotifyWebhook           string          `json:"notifyWebhook"`
	EscalateAfter           string          `json:"escalateAfter"`
	Escalate                []string        `json:"escalate"`
	TestAlerts              bool            `json:"testAlerts"`
	UpdatedAt               *time.Time      `json:"updatedAt"`
}

// DecodeSite reads site id as PUT /v1/sites/{siteId} takes it (the operator
// CLI's site files too). An unknown field is refused: a misspelt
// "postcode" would otherwise leave the dispatchable address without one.
func DecodeSite(body io.Reader, id string) (mayday.Site, error) {
	var req siteRequest
	if err := decode(body, &req, true); err != nil {
		return mayday.Site{}, err
	}
	if req.SiteID != "" && req.SiteID != id {
		return mayday.Site{}, fmt.Errorf("%w: siteId %q is not the site %q", mayday.ErrInvalid, req.SiteID, id)
	}
	notify, err := parseAddressList("notify", req.Notify)
	if err != nil {
		return mayday.Site{}, err
	}
	var after time.Duration
	if e := strings.TrimSpace(req.EscalateAfter); e != "" {
		if after, err = time.ParseDuration(e); err != nil || after <= 0 {
			return mayday.Site{}, fmt.Errorf("%w: escalateAfter %q is not a duration like 2m or 90s", mayday.ErrInvalid, req.EscalateAfter)
		}
	}
	t := strings.TrimSpace
	return mayday.Site{Name: t(req.Name), Country: t(req.Country), Address: req.Address.address(),
		EmergencyCallbackNumber: t(req.EmergencyCallbackNumber), Notify: notify, Networks: req.Networks,
		NotifySMS: req.NotifySMS, NotifyWebhook: t(req.NotifyWebhook), EscalateAfter: after, Escalate: req.Escalate,
		TestAlerts: req.TestAlerts}, nil
}

// addressRequest is a civic address as sites and locations take it. A
// street with its house number in front ("1 Main St") is still taken.
type addressRequest struct {
	HouseNumber string `json:"houseNumber"`
	Street      string `json:"street"`
	City        string `json:"city"`
	Region      string `json:"region"`
	PostalCode  string `json:"postalCode"`
	Country     string `json:"country"`
	Detail      string `json:"detail"`
}

func (r addressRequest) address() mayday.Address {
	return mayday.Address{HouseNumber: r.HouseNumber, Street: r.Street, City: r.City, Region: r.Region,
		PostalCode: r.PostalCode, Country: r.Country, Detail: r.Detail}.Normalised()
}

// EncodeSite is a site as GET /v1/sites/{siteId} answers it, indented.
func EncodeSite(s mayday.Site) ([]byte, error) { return json.MarshalIndent(viewSite(s), "", "  ") }

func (a *API) putSite(w http.ResponseWriter, r *http.Request) error {
	in, err := DecodeSite(r.Body, r.PathValue("siteId"))
	if err != nil {
		return err
	}
	s, err := a.AdminAPI.PutSite(r.Context(), r.PathValue("siteId"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewSite(s))
	return nil
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request) error {
	s, err := a.AdminAPI.GetSite(r.Context(), r.PathValue("siteId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewSite(s))
	return nil
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.AdminAPI.Sites(r.Context())
	if err != nil {
		return err
	}
	out := sitesView{Sites: make([]siteView, 0, len(ss))}
	for _, s := range ss {
		out.Sites = append(out.Sites, viewSite(s))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := a.AdminAPI.DeleteSite(r.Context(), r.PathValue("siteId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
