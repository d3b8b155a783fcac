package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// AuditActors returns who may appear as the actor of a sender
// organisation's audit entries (every organisation's when senderOrg is
// empty): its users ("user:kari") and API tokens ("token:sak"), disabled
// and revoked ones too, sorted. An actor of another organisation that
// looked at its data (an unscoped admin) is not listed, but AuditFilter
// finds its entries by name all the same.
func (s *Store) AuditActors(ctx context.Context, senderOrg string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, `SELECT 'user:' || name FROM users WHERE $1 = '' OR sender_org = $1
		UNION SELECT 'token:' || name FROM api_tokens WHERE $1 = '' OR sender_org = $1
		ORDER BY 1`, senderOrg); err != nil {
		return nil, fmt.Errorf("list audit actors: %w", err)
	}
	for i := range out {
		out[i] = maskIDs(out[i])
	}
	return out, nil
}

// AuditLetterObjects returns the audit objects ("shipment <id>") of the
// letter a data protection officer names by postvakt's shipment id or by
// the channel's id for it (a channel id may name one letter on each
// channel; a UUID in any case), among the letters of senderOrg (all when empty). A shipment
// id names its letter even when the letter is not (any longer) there, so
// the entries about a purged letter are found by its id.
func (s *Store) AuditLetterObjects(ctx context.Context, senderOrg, letter string) ([]string, error) {
	letter = strings.TrimSpace(letter)
	out := []string{}
	if id, err := uuid.Parse(letter); err == nil {
		out = append(out, "shipment "+id.String())
	}
	// The channel id as registration stores it (a UUID in lower case), as
	// the lists' channel_id filter reads it: typed in upper case, as a
	// case system shows it, it is the same letter.
	channelID := model.NewShipment{ChannelID: letter}.Normalized().ChannelID
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT s.id::text FROM shipments s
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE s.channel = ANY($1) AND s.channel_id = $2 AND ($3 = '' OR o.orgnr = $3)`,
		pq.Array(model.Channels()), channelID, senderOrg); err != nil {
		return nil, fmt.Errorf("find letter by channel id: %w", err)
	}
	for _, id := range ids {
		out = append(out, "shipment "+id)
	}
	return out, nil
}

// AuditPersonObjects returns the audit objects that concern one
// recipient, a person or an organisation: the searches for them
// ("recipient=" and masked, their id as the search page writes it, masked
// by model.MaskRecipient: a person id keeps only its date of birth, so
// this also finds the searches for anyone else born that day), and, when
// rid is their row (store.RecipientInScope; 0: none), the letters of
// senderOrg (all when empty) to them that are still kept ("shipment <id>").
func (s *Store) AuditPersonObjects(ctx context.Context, senderOrg, masked string, rid int64) ([]string, error) {
	out := []string{"recipient=" + masked}
	if rid <= 0 {
		return out, nil
	}
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT s.id::text FROM shipments s
		JOIN sender_units u ON u.id = s.sender_unit_id JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE s.recipient_id = $1 AND ($2 = '' OR o.orgnr = $2)`, rid, senderOrg); err != nil {
		return nil, fmt.Errorf("find a recipient's letters: %w", err)
	}
	for _, id := range ids {
		out = append(out, "shipment "+id)
	}
	return out, nil
}
