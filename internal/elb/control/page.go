package control

import (
	"encoding/base64"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Describe* page sizes: PageSize is 1-400 (§7.3); unset means the maximum.
const (
	minPageSize     = 1
	maxPageSize     = 400
	defaultPageSize = maxPageSize
)

// paginate returns the page of items that starts at marker and holds at
// most pageSize items, and the marker of the next page ("" on the last).
//
// ELBv2 markers are opaque; ours encode the offset of the next item in the
// listing, which is ordered by creation. A resource created or deleted
// between two calls may shift the listing by one, which AWS allows
// (markers are not snapshots there either).
func paginate[T any](items []T, marker string, pageSize int) ([]T, string, error) {
	if pageSize == 0 {
		pageSize = defaultPageSize
	}
	if pageSize < minPageSize {
		return nil, "", elb.NewValidationError("Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value greater than or equal to %d", pageSize, minPageSize)
	}
	if pageSize > maxPageSize {
		return nil, "", elb.NewValidationError("Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to %d", pageSize, maxPageSize)
	}
	start := 0
	if marker != "" {
		n, ok := decodeMarker(marker)
		if !ok {
			// Unconfirmed wording.
			return nil, "", elb.NewValidationError("The marker '%s' is not valid", marker)
		}
		start = min(n, len(items))
	}
	end := min(start+pageSize, len(items))
	next := ""
	if end < len(items) {
		next = encodeMarker(end)
	}
	return items[start:end], next, nil
}

func encodeMarker(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeMarker(m string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) < 3 || string(b[:2]) != "o:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
