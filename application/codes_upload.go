package application

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wxinvite/wxinvite/domain"
)

// MaxRedeemCodeLength bounds one redeem code.
const MaxRedeemCodeLength = 128

// codesBatch is how many codes go to the store in one call.
const codesBatch = 500

// UploadCodesService stores the redeem codes an operator uploads for a tier.
type UploadCodesService struct {
	campaigns CampaignRepository
	codes     CodeRepository
}

// NewUploadCodesService builds the use case.
func NewUploadCodesService(campaigns CampaignRepository, codes CodeRepository) *UploadCodesService {
	return &UploadCodesService{campaigns: campaigns, codes: codes}
}

// CodesAdded reports an upload: codes stored, and codes that were already stored or
// repeated in the upload.
type CodesAdded struct {
	Added, Duplicates int
}

// Upload reads one code a line; surrounding spaces are trimmed and blank lines
// skipped. A line that is too long or not UTF-8 refuses the whole upload (nothing is
// stored). ErrNotFound when the campaign or tier does not exist.
func (s *UploadCodesService) Upload(ctx context.Context, id domain.CampaignID, tier int, body io.Reader) (CodesAdded, error) {
	c, err := s.campaigns.ByID(ctx, id)
	if err != nil {
		return CodesAdded{}, fmt.Errorf("codes: %w", err)
	}
	if _, ok := c.TierByNumber(tier); !ok {
		return CodesAdded{}, NotFound(fmt.Sprintf("tier %d", tier), nil)
	}
	codes, dups, err := parseCodes(body)
	if err != nil {
		return CodesAdded{}, err
	}
	res := CodesAdded{Duplicates: dups}
	for len(codes) > 0 {
		n := min(len(codes), codesBatch)
		added, err := s.codes.Add(ctx, id, tier, codes[:n])
		if err != nil {
			return res, fmt.Errorf("codes: %w", err)
		}
		res.Added += added
		res.Duplicates += n - added
		codes = codes[n:]
	}
	return res, nil
}

// parseCodes returns the distinct codes of body in order and how many lines repeated
// an earlier one.
func parseCodes(body io.Reader) ([]string, int, error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 4096), 64*1024)
	seen := map[string]bool{}
	var out []string
	dups, line := 0, 0
	for sc.Scan() {
		line++
		code := strings.TrimSpace(sc.Text())
		switch {
		case code == "":
			continue
		case !utf8.ValidString(code):
			return nil, 0, Errorf(KindInvalid, "invalid_code", nil, "line %d is not UTF-8 text", line)
		case len(code) > MaxRedeemCodeLength:
			return nil, 0, Errorf(KindInvalid, "invalid_code", nil, "line %d is longer than %d bytes", line, MaxRedeemCodeLength)
		case seen[code]:
			dups++
			continue
		}
		seen[code] = true
		out = append(out, code)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, Errorf(KindInvalid, "invalid_codes", err, "the body could not be read as lines: %v", err)
	}
	return out, dups, nil
}
