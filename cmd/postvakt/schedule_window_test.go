package main_test

import (
	"strings"
	"testing"
)

// A POSTVAKT_ESCALATE_SCHEDULE none of whose runs falls inside a policy's
// send window (every day at 05:00, the shipped policies' windows
// 08:00-16:00) held every reminder under it at every run, for ever, said
// only as "waiting for the send window" in each run's summary, and its
// letters went to print unreminded: serve says so at start, as an error
// naming the variable and the policy.
func TestScheduleOutsideTheSendWindowIsSaidAtStart(t *testing.T) {
	const want = `POSTVAKT_ESCALATE_SCHEDULE: \"CRON_TZ=Europe/Oslo 0 5 * * *\": no escalation run falls inside the send window of policy barnevern (08:00-16:00 on business days, Europe/Oslo)`
	_, cmd, logs := startServe(t, migrated(t), "POSTVAKT_ESCALATE_SCHEDULE=CRON_TZ=Europe/Oslo 0 5 * * *")
	cmd.Process.Kill()
	cmd.Wait()
	if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("serve with escalation runs at 05:00 logs no error saying reminders never go out:\n%s\nwant %s", logs.String(), want)
	}
	_, cmd, logs = startServe(t, migrated(t))
	cmd.Process.Kill()
	cmd.Wait()
	if strings.Contains(logs.String(), "never go out") {
		t.Errorf("serve with the default schedule says reminders never go out:\n%s", logs.String())
	}
}
