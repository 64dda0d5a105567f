package awsmig

import (
	"fmt"
	"regexp"
	"slices"
)

// Why a list and patterns: a region is only a name until a call fails, and a misspelt one
// (eu-wset-1) fails late, with a DNS error, after the spec was accepted. knownRegions are the
// regions of the AWS SDK for Go's partitions (its endpoints' partitions.json, as of the SDK
// version in go.mod); regionPatterns are the same partitions' region name patterns. A region
// in the list is accepted; one a letter or two from a known one is a misspelling; one that
// only matches a partition's pattern is taken for a region newer than this build.
var knownRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
	"cn-north-1", "cn-northwest-1",
	"eusc-de-east-1",
	"us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1",
	"us-isof-east-1", "us-isof-south-1",
	"us-gov-east-1", "us-gov-west-1",
}

var regionPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`), // aws
	regexp.MustCompile(`^cn-\w+-\d+$`),                           // aws-cn
	regexp.MustCompile(`^eusc-(de)-\w+-\d+$`),                    // aws-eusc
	regexp.MustCompile(`^us-iso-\w+-\d+$`),                       // aws-iso
	regexp.MustCompile(`^us-isob-\w+-\d+$`),                      // aws-iso-b
	regexp.MustCompile(`^eu-isoe-\w+-\d+$`),                      // aws-iso-e
	regexp.MustCompile(`^us-isof-\w+-\d+$`),                      // aws-iso-f
	regexp.MustCompile(`^us-gov-\w+-\d+$`),                       // aws-us-gov
}

// checkRegion says what is wrong with a region name, or nil.
func checkRegion(r string) error {
	if slices.Contains(knownRegions, r) {
		return nil
	}
	best, dist := "", 3
	for _, k := range knownRegions {
		if d := editDistance(r, k); d < dist {
			best, dist = k, d
		}
	}
	if best != "" {
		return fmt.Errorf("%q is not an AWS region: did you mean %s?", r, best)
	}
	for _, p := range regionPatterns {
		if p.MatchString(r) {
			return nil // a region newer than this build's list
		}
	}
	return fmt.Errorf("%q is not an AWS region name (e.g. eu-west-1, us-east-1)", r)
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
