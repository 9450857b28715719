package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Outage is what an EventBridge outage did to emergencies dialled and
// ended during it (embedded runner, every PutEvents refused): what the
// dials answered, and what the outbox published once EventBridge was back.
type Outage struct {
	Emergencies int           // dials answered as emergencies during the outage
	Ended       int           // ends answered during the outage
	Emails      int           // calls emailed (distinct)
	Duplicates  int           // calls emailed more than once
	Restored    int           // agents back to their presence, no emergency left
	Lost        int           // emergencies with no email or no restore
	Refused     int           // PutEvents refused during the outage
	Outage      time.Duration // how long PutEvents failed
	Recovery    Summary       // each email's acceptance after recovery
	LastEmail   time.Duration // the last email after recovery
}

// recoveryLimit is how long after recovery the emails may take.
const recoveryLimit = 60 * time.Second

// eventBridgeOutage dials n emergencies and ends them while every PutEvents
// fails, for outage from the first dial; then EventBridge recovers, and it
// waits for the emails and restores the outbox owes.
func eventBridgeOutage(prefix string, n int, outage time.Duration) (Outage, error) {
	o := Outage{Outage: outage}
	s, err := boot(nil, nil, nil)
	if err != nil {
		return o, err
	}
	defer s.Close()
	if err := s.seed(prefix, n, n, 8); err != nil {
		return o, err
	}
	callID := func(i int) string { return fmt.Sprintf("%s-c%05d", prefix, i) }
	emailed := make([]<-chan time.Time, n)
	for i := range n {
		emailed[i] = s.mailer.expect(callID(i))
	}
	s.pub.setDown(true)
	began := time.Now()
	o.Emergencies = concurrently(n, func(i int) bool {
		code, resp := s.serve(http.MethodPost, "/v1/telephony/events", dialBody(callID(i), agentID(prefix, i)), true)
		_, src, err := s.dialAnswer(code, resp)
		return err == nil && src != ""
	})
	o.Ended = concurrently(n, func(i int) bool {
		code, _ := s.serve(http.MethodPost, "/v1/telephony/events", endBody(callID(i)), true)
		return code == http.StatusOK
	})
	if emails, _ := s.mailer.counts(); emails != 0 {
		return o, fmt.Errorf("%d emails while every PutEvents failed", emails)
	}
	time.Sleep(time.Until(began.Add(outage)))
	o.Refused = s.pub.setDown(false)
	recovered := time.Now()

	var after Samples
	deadline := time.NewTimer(recoveryLimit + 30*time.Second)
	defer deadline.Stop()
wait:
	for i := range n {
		select {
		case at := <-emailed[i]:
			after = append(after, at.Sub(recovered))
			o.LastEmail = max(o.LastEmail, at.Sub(recovered))
		case <-deadline.C:
			break wait // the rest are lost
		}
	}
	s.m.Settle()
	o.Recovery = Summarise(after)
	emails, dup := s.mailer.counts()
	o.Emails, o.Duplicates = emails-dup, dup
	for i := range n {
		a, err := s.m.UseCases.AdminAPI.GetAgent(context.Background(), agentID(prefix, i))
		if err == nil && string(a.Presence) == initialPresence && !a.InEmergency() {
			o.Restored++
		}
	}
	o.Lost = n - min(len(after), o.Restored)
	return o, nil
}
