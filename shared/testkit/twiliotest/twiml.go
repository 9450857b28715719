package twiliotest

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// TwiML is a TwiML answer as Twilio reads it.
type TwiML struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		CallerID       string   `xml:"callerId,attr"`
		AnswerOnBridge string   `xml:"answerOnBridge,attr"`
		Timeout        string   `xml:"timeout,attr"`
		Action         string   `xml:"action,attr"`
		Method         string   `xml:"method,attr"`
		Number         []string `xml:"Number"`
		Client         []string `xml:"Client"`
		HasCallerID    bool     `xml:"-"` // the attribute is there, even empty
	} `xml:"Dial"`
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
	Hangup *struct{} `xml:"Hangup"`
	Others []struct {
		XMLName xml.Name
	} `xml:",any"` // the verbs no field above takes
}

// ParseTwiML reads a TwiML answer, which must hold exactly one verb.
func ParseTwiML(b []byte) (TwiML, error) {
	var d TwiML
	if err := xml.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("TwiML %s: %w", b, err)
	}
	n := len(d.Others)
	for _, v := range []bool{d.Dial != nil, d.Redirect != nil, d.Hangup != nil} {
		if v {
			n++
		}
	}
	if n != 1 {
		return d, fmt.Errorf("TwiML %s: %d verbs, want exactly one", b, n)
	}
	if d.Dial != nil {
		d.Dial.HasCallerID = bytes.Contains(b, []byte("callerId="))
	}
	return d, nil
}
