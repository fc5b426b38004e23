package exchange

import "github.com/google/uuid"

// Referral notes are personal data (issue 10): "Về quê sau 2 tháng" is about the worker.
// Reading them is a read of the worker's data, so it is in the worker's access log like
// a read of the worker itself: a "worker.read" entry about the referral's worker whose
// field is FieldReferralEventNote, never the note's text.

// FieldReferralEventNote is the field an access-log entry names for a read of a
// referral's event notes.
const FieldReferralEventNote = "referralEvents.note"

// ReferralEventsRead asks for one referral's history on behalf of a client. Notes says
// whether the client selected the events' note; only then is the read audited, with
// Purpose (the field path, "referrals.edges.node.events") and Operation (the
// operation's name), which are empty otherwise so that every read without notes is one
// key. It is a loader key, hence a comparable struct.
type ReferralEventsRead struct {
	ReferralID uuid.UUID
	Notes      bool
	Purpose    string
	Operation  string
}
