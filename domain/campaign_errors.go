package domain

import (
	"errors"
	"fmt"
)

// Campaign and lifecycle rule violations, matched with errors.Is.
var (
	// ErrInvalidCampaign means a campaign breaks a rule; the error is a *FieldError
	// naming the field.
	ErrInvalidCampaign = errors.New("invalid campaign")
	// ErrCampaignOverlap means a campaign's window overlaps another's, which would
	// make two campaigns run at once.
	ErrCampaignOverlap = errors.New("the campaign's window overlaps another campaign")
	// ErrNotFulfillable means a reward cannot be marked fulfilled (it was out of stock).
	ErrNotFulfillable = errors.New("the reward cannot be fulfilled")
)

// FieldError names the field of a campaign that breaks a rule, as the API spells it
// ("hold", "tiers[1].threshold"), so an operator sees exactly what to fix.
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + " " + e.Reason }

// Unwrap makes every FieldError match ErrInvalidCampaign.
func (e *FieldError) Unwrap() error { return ErrInvalidCampaign }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
