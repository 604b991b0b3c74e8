// Package domain holds wxinvite's business vocabulary and rules: users, invites,
// parametric QR codes and access tokens. It imports only the standard library,
// performs no IO and never reads the clock: every rule that depends on time takes
// the instant as an argument, so tests pin exact boundaries.
package domain
