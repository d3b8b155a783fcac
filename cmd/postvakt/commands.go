package main

import (
	"context"
	"strings"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/store"
)

// The command line at a glance: every command, and the verbs of those
// made of verbs, with their arguments and help, in the order `postvakt help`
// lists them. Each command's work is in its own file.

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, cfg config.Config, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"migrate", "", "apply pending database migrations", runMigrate},
		{"serve", "[--addr ADDR]", "run the API (migrates first)", runServe},
		{"import", "[--encoding auto|utf-8|windows-1252] [--system S] [--actor NAME] FILE.csv|-", "register shipments from a CSV file, all or nothing", runImport},
		{"poll", "--once [--channel " + channel.Usage() + "] [--now RFC3339]", "poll every due shipment once; prints polled=N changed=N errors=N unknown=N", runPoll},
		{"discover", "--channel " + channel.DiscoverUsage() + " --since DATE --sender-org O [--until T] [--sender-unit U] [--class C] [--window D] [--system S]", "register the sender's shipments found on the channel (back-fill)", runDiscover},
		{"policy", policyVerbs.forms(), "validate the policies (file:line: message) or show a shipment's schedule", policyVerbs.run},
		{"sim", "[--addr A] [--scenario NAME|FILE] [--seed N] [--speed X] [--behind D] [--key-dir DIR] [--request-log N]", "run the channel simulator (SvarUt, Altinn, Digital Post, register, print, notifications)", runSim},
		{"escalate", "--once [--now RFC3339] [--dry-run [--show-messages]]", "one escalation run: decide each open shipment's step, send due reminders (one per organisation), place due print orders", runEscalate},
		{"contacts", contactsVerbs.forms(), "receiving organisations' reminder e-mail addresses", contactsVerbs.run},
		{"units", unitsVerbs.forms(), "sending units' contact and manager addresses, where follow-up and escalation mails go", unitsVerbs.run},
		{"notifications", notificationVerbs.forms(), "settle reminders whose outcome is unknown (never re-sent by themselves)", notificationVerbs.run},
		{"print", printVerbs.forms(), "print fallback: orders, manual handling, approval batches; send and follow print orders", printVerbs.run},
		{"report", reportVerbs.forms(), "export a list, or an incident's letters with state and evidence counted per sending unit (audited)", reportVerbs.run},
		{"health", "--once [--now RFC3339] [--dry-run]", "evaluate the health rules once: record and send what fires or resolves; prints FIRING/RESOLVED lines", runHealth},
		{"user", userVerbs.forms(), "create a UI user (password on stdin, or generated and printed once); set its e-mail address; disable or enable it; set its password; list the users", userVerbs.run},
		{"token", tokenVerbs.forms(), "create an API token (printed once), revoke one, or list them", tokenVerbs.run},
		{"version", "", "print the version: the module version and the commit it was built from, the Go version, the database schema version it expects", runVersion},
		{"help", "[COMMAND [VERB]]", "show this help, or a command's (as COMMAND --help does)", func(context.Context, config.Config, []string) error { usage(stdout); return nil }},
	}
	for _, vs := range []*verbs{policyVerbs, contactsVerbs, unitsVerbs, notificationVerbs, printVerbs, reportVerbs, userVerbs, tokenVerbs} {
		verbsOf[vs.cmd] = vs
	}
}

// verbsOf are the commands made of verbs, by name.
var verbsOf = map[string]*verbs{}

// policyVerbs checks the policy folder and explains a shipment's schedule.
var policyVerbs = &verbs{cmd: "policy", verbs: []verb{
	{"check", "[DIR]", "validate the policies, senders.yaml and health.yaml: a summary, or file:line: message for each problem", checkPolicies},
	{"explain", "SHIPMENT_ID", "which policy matched a shipment, and the dates of each of its future steps", explainShipment},
}}

// contactsVerbs sets the receiving organisations' reminder addresses.
var contactsVerbs = &verbs{cmd: "contacts", verbs: []verb{
	{"import", "FILE.csv|- (header orgnr,email; cvr for orgnr)", "set the reminder addresses of the organisations in the file, all or nothing: each gets exactly the addresses listed (audited)", importContacts},
}}

// unitsVerbs manages the sending units' addresses: where follow-up mails
// and unit_manager escalations go. list shows them; import is all or
// nothing, audited.
var unitsVerbs = &verbs{cmd: "units", verbs: []verb{
	{"list", "", "list the sending units with their contact and manager addresses", listUnits},
	{"import", "FILE.csv|- (header sender_org,unit,contact_email,manager_email)", "create the units in the file or set their contact and manager addresses, all or nothing; units not in it keep theirs (audited)", importUnits},
}}

// notificationVerbs lets the compliance officer settle reminders whose
// outcome is unknown (a crash or a cut connection after the message was
// handed over): they are never re-sent by themselves. release: checked, not
// delivered, send it again next run; confirm: checked, delivered, count it.
var notificationVerbs = &verbs{cmd: "notifications", verbs: []verb{
	{"list", "", "list reminders and notices whose outcome is unknown, failed sends, and organisations without an address", listNotifications},
	{"release", "ID", "checked, not delivered: send it in the next run", settleNotification},
	{"confirm", "ID [--message-id M]", "delivered: count it as sent when its send began", settleNotification},
}}

// printVerbs is `postvakt print`: the print fallback's orders, manual
// handling and approval batches, and the sending and following of orders.
var printVerbs = &verbs{cmd: "print", verbs: []verb{
	{"list", "[--json]", "list the print orders, the manual-handling queue and the approval batches", runPrintList},
	{"approve", "BATCH [--by NAME]", "release a held print batch (audited)", runPrintDecide},
	{"reject", "BATCH [--by NAME]", "reject a held print batch: nothing in it is printed (audited)", runPrintDecide},
	{"drain", "[--once [--now TIME]] [--every D] [--batch N]", "send the print outbox and poll the orders' states (serve does this on its schedule)", runPrintDrain},
}}

// reportVerbs export the UI's lists and the incident report.
var reportVerbs = &verbs{cmd: "report", verbs: []verb{
	{string(store.ListUnopened), listArgs, "export the confidential letters not yet opened (audited)", runReport},
	{string(store.ListProblems), listArgs, "export the rejected, failed or expired letters (audited)", runReport},
	{string(store.ListManual), listArgs, "export the letters whose escalation ended in manual handling (audited)", runReport},
	{string(store.ListUnknown), listArgs, "export the letters their channel has never heard of (audited)", runReport},
	{"incident", "--from T --to T [--channel C] [--unit U] [--system S] [--state S[,S]] [--class C] [--sender-org O] [--org N] --format csv|xlsx|json [-o FILE]", "export an incident's letters with state and evidence, counted per sending unit (audited)", runIncidentReport},
}}

// userVerbs creates UI users, sets their e-mail addresses, disables and
// enables them, sets their passwords, and lists them.
var userVerbs = &verbs{cmd: "user", verbs: []verb{
	{"add", "--name N --role " + strings.Join(store.Roles, "|") + " [--sender-org O] [--unit U] [--email E] (password on stdin, or generated)", "create a UI user (password on stdin, or generated and printed once)", addUser},
	{"email", "--name N --email E", "set a user's e-mail address", setUserEmail},
	{"disable", "--name N", "disable a UI user: its sessions end at once and it can no longer log in (audited)", setUserDisabled},
	{"enable", "--name N", "enable a disabled UI user again (audited)", setUserDisabled},
	{"password", "--name N", "set a new generated password for a UI user, printed once; its sessions end at once (audited)", resetPassword},
	{"list", "[--json]", "list the UI users: role, organisation, unit, e-mail, open sessions, disabled (audited)", listUsers},
}}

// tokenVerbs creates, revokes and lists API tokens.
var tokenVerbs = &verbs{cmd: "token", verbs: []verb{
	{"create", "--name N --role " + strings.Join(store.Roles, "|") + " [--sender-org O] [--unit U]", "create an API token (printed once)", createToken},
	{"revoke", "--name N [--sender-org O]", "revoke an active API token: requests with it are refused from the next one on (audited)", revokeToken},
	{"list", "[--json]", "list the API tokens: role, organisation, unit, last use, revoked (audited)", listTokens},
}}
