package application

// joinAttempt is how one attempt of Join runs. It is chosen by joinRetry, the one
// place that says how Join proceeds after losing a unique-key race.
type joinAttempt struct {
	// lookUp reads the person by openid before inserting. An attempt that skips it
	// inserts straight away and lets the unique openid tell whether the person was
	// known after all.
	lookUp bool
	// keepUnionID inserts the profile's unionid. It is dropped once a conflict was
	// seen that a lookup finding nobody cannot explain: the drawn invite code or the
	// unionid was taken, and a unionid is not worth failing a join for.
	keepUnionID bool
}

// joinRetryPolicy is how Join retries: at most maxAttempts attempts, the first as
// chosen by first and each next one by afterConflict. The transactor separately
// retries cluster conflicts inside each attempt.
type joinRetryPolicy struct {
	maxAttempts int
}

// joinRetry is the policy Join uses: four attempts cover losing the openid race
// and the rare invite-code collision with room to spare.
var joinRetry = joinRetryPolicy{maxAttempts: 4}

// first is the first attempt for cmd. A contact that comes through an invite is
// almost always a first contact, so it skips the read and goes straight to the
// insert; any other contact reads first (most are returning people).
func (joinRetryPolicy) first(cmd JoinCommand) joinAttempt {
	return joinAttempt{lookUp: cmd.Attribution.IsZero(), keepUnionID: true}
}

// afterConflict is the attempt that follows one that ended in ErrConflict. After a
// blind insert the conflict is most likely the openid, so the next attempt reads.
// After an attempt that read and found nobody, the conflict was on the invite code
// or the unionid (or a new racer): the next attempt draws a fresh code anyway and
// drops the unionid.
func (a joinAttempt) afterConflict() joinAttempt {
	if !a.lookUp {
		return joinAttempt{lookUp: true, keepUnionID: a.keepUnionID}
	}
	return joinAttempt{lookUp: true, keepUnionID: false}
}
