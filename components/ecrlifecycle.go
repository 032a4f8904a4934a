package components

import (
	"encoding/json"
	"fmt"
)

// LifecyclePolicyDocument is an ECR lifecycle policy. See the ECR user
// guide, "Lifecycle policy properties".
type LifecyclePolicyDocument struct {
	// Rules in ascending RulePriority.
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a LifecyclePolicyDocument. Rules are listed
// in ascending RulePriority (ECR reorders them otherwise, and Pulumi would
// then see a diff on every update); a rule with TagStatus "any" must have the
// highest RulePriority.
type LifecycleRule struct {
	// RulePriority orders the rules: unique, the lowest evaluated first.
	RulePriority int `json:"rulePriority"`
	// Description says what the rule is for; optional.
	Description string `json:"description,omitempty"`
	// Selection chooses the images.
	Selection LifecycleSelection `json:"selection"`
	// Action is what happens to them.
	Action LifecycleAction `json:"action"`
}

// LifecycleSelection chooses the images a LifecycleRule applies to.
type LifecycleSelection struct {
	// TagStatus is "tagged" (needs TagPrefixList or TagPatternList),
	// "untagged" or "any".
	TagStatus string `json:"tagStatus"`
	// TagPrefixList selects tagged images by tag prefix.
	TagPrefixList []string `json:"tagPrefixList,omitempty"`
	// TagPatternList selects tagged images by wildcard pattern ("src-*").
	TagPatternList []string `json:"tagPatternList,omitempty"`
	// CountType is "imageCountMoreThan" or "sinceImagePushed" (which needs
	// CountUnit "days").
	CountType string `json:"countType"`
	// CountUnit is "days" with sinceImagePushed; empty otherwise.
	CountUnit string `json:"countUnit,omitempty"`
	// CountNumber is the image count or the number of days.
	CountNumber int `json:"countNumber"`
}

// LifecycleAction is what a LifecycleRule does: "expire".
type LifecycleAction struct {
	// Type is "expire", the only action ECR has.
	Type string `json:"type"`
}

// JSON marshals the document.
func (d LifecyclePolicyDocument) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only strings, ints and slices
	}
	return string(b)
}

// registryLifecyclePolicy expires untagged images after a day, then keeps
// the newest imagesKept images. The untagged rule comes first: ECR applies
// each image's highest-priority matching rule, and "any" must be last.
func registryLifecyclePolicy(imagesKept int) LifecyclePolicyDocument {
	expire := LifecycleAction{Type: "expire"}
	return LifecyclePolicyDocument{Rules: []LifecycleRule{{
		RulePriority: 1,
		Description:  fmt.Sprintf("Expire untagged images %d day after push", untaggedExpiryDays),
		Selection: LifecycleSelection{
			TagStatus:   "untagged",
			CountType:   "sinceImagePushed",
			CountUnit:   "days",
			CountNumber: untaggedExpiryDays,
		},
		Action: expire,
	}, {
		RulePriority: 2,
		Description:  fmt.Sprintf("Keep the newest %d images", imagesKept),
		Selection: LifecycleSelection{
			TagStatus:   "any",
			CountType:   "imageCountMoreThan",
			CountNumber: imagesKept,
		},
		Action: expire,
	}}}
}
