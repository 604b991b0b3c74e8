package application

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// PeopleSearchLimit bounds one search's answer; operators refine the query instead.
const PeopleSearchLimit = 50

// PeopleQuery is the admin's person search: the way into a person's audit trail.
type PeopleQuery struct {
	people PeopleDirectory
}

// NewPeopleQuery builds the query.
func NewPeopleQuery(people PeopleDirectory) *PeopleQuery { return &PeopleQuery{people: people} }

// Search finds people by exact openid or by nickname prefix. An empty or overlong
// query is KindInvalid.
func (q *PeopleQuery) Search(ctx context.Context, query string) ([]Person, error) {
	query = strings.TrimSpace(query)
	if query == "" || utf8.RuneCountInString(query) > 64 {
		return nil, Errorf(KindInvalid, "invalid_query", nil, "q must be 1 to 64 characters: a nickname or an openid")
	}
	people, err := q.people.SearchPeople(ctx, query, PeopleSearchLimit)
	if err != nil {
		return nil, fmt.Errorf("people search: %w", err)
	}
	return people, nil
}
