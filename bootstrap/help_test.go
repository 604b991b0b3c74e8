package bootstrap

import "testing"

// Every variable has its own line in `wxinvite -h`, not the generic fallback.
func TestEveryVariableHasHelp(t *testing.T) {
	for _, v := range Variables {
		if _, ok := variableHelp[v]; !ok {
			t.Errorf("%s has no entry in variableHelp", v)
		}
	}
}
