package stack_test

import (
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

func TestSmoke(t *testing.T) {
	for _, s := range []string{"prod", "dev"} {
		res, err := testutil.RunStack(t, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		t.Logf("%s: %d resources, exports %v", s, len(res.Resources), res.Exports)
	}
}
