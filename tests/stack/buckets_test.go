package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/tests/testutil"
)

// TestEveryBucketIsUsed protects issue 12 item 7: a bucket that nothing
// writes to or reads from is cost and attack surface with no purpose (the
// old staticBucket key created one while the app serves its static files
// with WhiteNoise). Every bucket the stack creates must be named by some
// resource outside S3's own bucket settings: the task definition (media),
// the load balancer (access logs).
func TestEveryBucketIsUsed(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		// staticBucket is set for as long as the config still accepts it.
		res, err := testutil.RunStack(t, stack, map[string]string{"staticBucket": "true"})
		if err != nil && strings.Contains(err.Error(), "staticBucket") {
			res = testutil.MustRunStack(t, stack, nil)
		} else if err != nil {
			t.Fatal(err)
		}
		for _, b := range res.ByType("aws:s3/bucketV2:BucketV2") {
			name := fmt.Sprint(b.Output("bucket"))
			var users []string
			for _, r := range res.Resources {
				if strings.HasPrefix(r.Type, "aws:s3/") || !r.Custom {
					continue
				}
				if strings.Contains(fmt.Sprint(r.Inputs), name) {
					users = append(users, r.Name)
				}
			}
			if len(users) == 0 {
				t.Errorf("%s: bucket %s (%s) is used by nothing", stack, b.Name, name)
			}
		}
	}
}
