package store

// AuditAction is what an audit entry says someone did. The log keeps its
// text as evidence: a value once written is never renamed, and each has
// its words in every language of the audit page (audit.act.<action>,
// TestAuditActionsHaveTexts).
type AuditAction string

// The actions postvakt writes: every writer names one of these.
const (
	// Reading letters' data.
	ActViewList         AuditAction = "view_list"
	ActViewSummary      AuditAction = "view_summary"
	ActViewOverview     AuditAction = "view_overview"
	ActViewShipment     AuditAction = "view_shipment"
	ActViewShipmentJSON AuditAction = "view_shipment_json"
	ActViewFollowUp     AuditAction = "view_followup"
	ActViewIncident     AuditAction = "view_incident"
	ActViewAudit        AuditAction = "view_audit"
	ActSearch           AuditAction = "search"
	ActExport           AuditAction = "export"
	ActForbidden        AuditAction = "forbidden"

	// Sessions.
	ActLogin          AuditAction = "login"
	ActLoginFailed    AuditAction = "login_failed"
	ActLoginThrottled AuditAction = "login_throttled"
	ActLogout         AuditAction = "logout"
	ActSessionExtend  AuditAction = "session_extend"
	ActSettings       AuditAction = "settings"

	// Decisions about letters.
	ActFollowUp         AuditAction = "followup"
	ActFollowUpIncident AuditAction = "followup_incident"
	ActManualResolve    AuditAction = "manual_resolve"
	ActPrintRelease     AuditAction = "print_release"
	ActPrintReject      AuditAction = "print_reject"
	// A print batch's release or rejection refused: the batch changed
	// since the page showed it.
	ActPrintReleaseRefused AuditAction = "print_release_refused"
	ActPrintRejectRefused  AuditAction = "print_reject_refused"
	// A reminder settled by hand: on the reminders page (reminder_*) and
	// by the notifications command (notification_*); both are kept as
	// written since.
	ActReminderConfirm     AuditAction = "reminder_confirm"
	ActReminderRelease     AuditAction = "reminder_release"
	ActNotificationConfirm AuditAction = "notification_confirm"
	ActNotificationRelease AuditAction = "notification_release"

	// Addresses, units and imports.
	ActContactAdd     AuditAction = "contact_add"
	ActContactsImport AuditAction = "contacts_import"
	ActUnitChange     AuditAction = "unit_change"
	ActUnitsImport    AuditAction = "units_import"
	ActLettersImport  AuditAction = "letters_import"

	// Users and tokens: a user made on the admin page (user_create) or by
	// the user add command (user_add); a token by either (token_create).
	ActUserCreate   AuditAction = "user_create"
	ActUserAdd      AuditAction = "user_add"
	ActUserEmail    AuditAction = "user_email"
	ActUserAccess   AuditAction = "user_access"
	ActUserDisable  AuditAction = "user_disable"
	ActUserEnable   AuditAction = "user_enable"
	ActUserPassword AuditAction = "user_password"
	ActTokenCreate  AuditAction = "token_create"
	ActTokenRevoke  AuditAction = "token_revoke"

	// The retention purge (retention_purge: the audit log's own).
	ActRetentionPurge        AuditAction = "retention_purge"
	ActRetentionPurgeLetters AuditAction = "retention_purge_letters"
	ActRetentionPurgePersons AuditAction = "retention_purge_persons"
	// The other personal data the purge deletes (upkeep.Purge): reminder
	// addresses, resolved alerts, notifications' recipients, disabled
	// users' e-mail addresses, register answers.
	ActRetentionPurgeData AuditAction = "retention_purge_data"
)

// AuditActions are every action postvakt writes.
func AuditActions() []AuditAction {
	return []AuditAction{
		ActViewList, ActViewSummary, ActViewOverview, ActViewShipment, ActViewShipmentJSON, ActViewFollowUp,
		ActViewIncident, ActViewAudit, ActSearch, ActExport, ActForbidden,
		ActLogin, ActLoginFailed, ActLoginThrottled, ActLogout, ActSessionExtend, ActSettings,
		ActFollowUp, ActFollowUpIncident, ActManualResolve, ActPrintRelease, ActPrintReject,
		ActPrintReleaseRefused, ActPrintRejectRefused, ActReminderConfirm, ActReminderRelease,
		ActNotificationConfirm, ActNotificationRelease,
		ActContactAdd, ActContactsImport, ActUnitChange, ActUnitsImport, ActLettersImport,
		ActUserCreate, ActUserAdd, ActUserEmail, ActUserAccess, ActUserDisable, ActUserEnable, ActUserPassword,
		ActTokenCreate, ActTokenRevoke,
		ActRetentionPurge, ActRetentionPurgeLetters, ActRetentionPurgePersons, ActRetentionPurgeData,
	}
}
