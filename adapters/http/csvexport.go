package httpadapter

import (
	"encoding/csv"
	"net/http"
	"time"
)

// csvFlushEvery is how many rows go out per flush.
const csvFlushEvery = 200

// csvTime is the format of local times in the exports: what Excel recognises as a
// date and time. Each export gives the UTC offset in a column of its own, since
// Excel has no time zones and the instant must stay exact.
const csvTime = "2006-01-02 15:04:05"

// streamCSV is every CSV download of the admin API and the console: rows are
// streamed and flushed as they come, so an export of any size holds no more than a
// page in memory. A UTF-8 byte order mark comes first so that Excel shows Chinese
// names (?bom=0 leaves it out for tools that do not skip it). A failure before any
// row is out is a JSON error; after that the response is cut off, so the client
// sees a broken transfer rather than a silently short file.
//
// each calls emit once per row, in order; what emit returns must be returned.
func (s *server) streamCSV(w http.ResponseWriter, r *http.Request, name string, header []string, each func(emit func([]string) error) error) {
	rc := http.NewResponseController(w)
	// A big export may outlast the server's WriteTimeout; give it its own budget.
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
	cw := csv.NewWriter(w)
	started := false
	start := func() {
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="wxinvite-`+name+`-`+s.now().UTC().Format("20060102")+`.csv"`)
		w.WriteHeader(http.StatusOK)
		if r.URL.Query().Get("bom") != "0" {
			_, _ = w.Write([]byte("\xef\xbb\xbf"))
		}
		_ = cw.Write(header)
	}
	rows := 0
	err := each(func(row []string) error {
		if !started {
			start()
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		if rows++; rows%csvFlushEvery == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			_ = rc.Flush()
		}
		return r.Context().Err()
	})
	if err != nil {
		if !started {
			writeAPIError(w, r, err)
			return
		}
		LoggerFrom(r.Context()).Error("csv export cut off", "rows", rows, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		start()
	}
	cw.Flush()
	_ = rc.Flush()
}
