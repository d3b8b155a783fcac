// Package sim is the other side: a simulator of the channels and services
// postvakt talks to, written from their public specs (testdata/specs) and
// importing nothing of postvakt's, so that a misunderstanding in an adapter
// is not mirrored here.
//
// One http.Handler serves, on one address:
//
//   - KS SvarUt v2 (bearer token + IntegrasjonId/IntegrasjonPassord):
//     POST /v2/kontoer/{kontoId}/forsendelser/status-sok {"forsendelseIds":[…]}
//     → {"statuser":[{"id","sisteStatusEndring","status"}]} (unknown ids left out);
//     GET /v2/forsendelser/{id}/hendelser → {"hendelser":[{"tidspunkt","hendelse"}]} (404 unknown);
//     v3: POST /v3/kontoer/{kontoId}/forsendelser/status/sok {"id":[…]} → the same answer.
//   - KS SvarUt v1 (HTTP Basic) under /tjenester/api/forsendelse/v1:
//     POST /statuser [ids] → {"statuser":[{"forsendelsesId":{"id"},"sisteStatusEndring":epoch-ms,"status"}]}
//     (404 when none of the ids is known, as SvarUt does);
//     GET /{id}/status → one such record; GET /{id}/historikk → {"hendelsesLogger":[{"tidspunkt","hendelse"}]},
//     its times "18.10.2017 13:43:31" (Oslo, no zone) as SvarUt's v1 writes them.
//   - Altinn 3 Correspondence (bearer): GET /correspondence/api/v1/correspondence/{id}/details
//     (CorrespondenceDetailsExt with statusHistory, isConfidential and read;
//     the top-level status is the highest-ranked status reached, Fetched not
//     counted; the content empty once published, from June 2025; times as
//     .NET writes them, "+00:00"; errors as ProblemDetails with "code":
//     "CORR-01001" and "errorCode": 1001);
//     GET /correspondence/api/v1/correspondence?resourceId=&role=&from=&to=&status=&sendersReference=
//     → {"ids":[…]} newest first, at most 1000, no paging, from and to exclusive,
//     status any the letter has had, role required.
//   - A Maskinporten-style token endpoint: POST /token (JWT grant) →
//     {"access_token","token_type":"Bearer","expires_in","scope"}; and Altinn's
//     GET /authentication/api/v1/exchange/maskinporten. The Altinn APIs check
//     a token as the services do (altinnauth.go): Notifications and Profile
//     take only the exchange's (Altinn) tokens, a Maskinporten token there
//     is 401 without a body, Correspondence takes both; each its own scopes
//     (with Options.RequireScopes), 403 without a body when the policy
//     refuses them; a grant for production Maskinporten gets a token the
//     simulated (test) platform does not take, Correspondence answering it
//     403 "IDX10205 … Exchange to Altinn token".
//   - Enhetsregisteret: GET /enhetsregisteret/api/enheter/{orgnr} and, for
//     sub-units (404 on /enheter), GET /enhetsregisteret/api/underenheter/{orgnr}.
//   - The Danish CVR's system-to-system access (HTTP Basic, Elasticsearch):
//     POST /cvr-permanent/virksomhed/_search with a term or terms query on
//     Vrvirksomhed.cvrNummer → {"hits":{"hits":[{"_source":{"Vrvirksomhed":
//     {"cvrNummer", "virksomhedMetadata":{"nyesteNavn":{"navn"}, "sammensatStatus"}…}}}]}}
//     (size defaults to 10; _source filtering; unknown numbers have no hit).
//   - Altinn Profile notification addresses:
//     GET /profile/api/v1/organizations/{orgnr}/notificationaddresses/mandatory and
//     POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup
//     (every organisation asked, empty lists included); the internal
//     POST /profile/api/v1/organizations/notificationaddresses/lookup answers 403.
//   - Altinn Notifications: POST /notifications/api/v1/future/orders (422
//     NOT-00001 for a recipient without contact information),
//     GET /notifications/api/v1/future/shipment/{id}.
//   - A print provider (see print.go for its contract): /print/v1/orders….
//   - Danish Digital Post's event log (HTTP Basic systemId:apiToken; a
//     client certificate when served over TLS): GET /apis/v1/events/ with
//     dateFrom/dateTo on created, eventTag, page (zero-based)/size (capped),
//     sortFields and dotted field filters such as
//     metaProperties.messageUUID → EventLogSearchResult {events, currentPage,
//     totalPages, elementsOnPage, totalElements, next}. The log is eventually
//     consistent: events may become visible after later ones, and may be
//     listed twice (digitalpost.go, dpgen.go).
//   - Control and introspection under /sim/: shipments.csv, shipments
//     (with "incident" for Danish letters a provider incident caught),
//     organisations, requests, clock.
//
// A Scenario (YAML, see scenario.go and scenarios/) and a seed determine the
// world: organisations, shipments, ids, timelines, register entries, which
// requests meet injected faults, and which shipments are poisoned (see
// Poison; the hostile scenario). Each shipment's status at time T is a
// pure function of its generated timeline, and T is the simulator's clock,
// which the caller controls (ManualClock in tests, a sped-up real clock in
// Run), so polling at any moment gives consistent answers.
package sim
