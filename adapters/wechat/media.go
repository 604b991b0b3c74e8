package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// maxImageUpload is WeChat's documented limit for image media (2 MB).
const maxImageUpload = 2 << 20

type mediaUploadResponse struct {
	Type    string `json:"type"`
	MediaID string `json:"media_id"`
}

// UploadImage implements application.WeChatMedia: a multipart POST with the file
// in the "media" field, as WeChat requires.
func (c *Client) UploadImage(ctx context.Context, filename string, data []byte) (string, error) {
	ctype := map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}[strings.ToLower(path.Ext(filename))]
	switch {
	case ctype == "":
		return "", application.Errorf(application.KindInvalid, "invalid_media", nil, "%q is not a .png, .jpg or .gif file name", filename)
	case len(data) == 0 || len(data) > maxImageUpload:
		return "", application.Errorf(application.KindInvalid, "invalid_media", nil, "an image must be 1 byte to 2 MB, got %d bytes", len(data))
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, path.Base(filename), len(data)))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("wechat %s: build request: %w", epMediaUpload, err)
	}
	var r mediaUploadResponse
	err = c.withToken(ctx, epMediaUpload, func(token string) error {
		start := time.Now()
		err := c.upload(ctx, url.Values{"access_token": {token}, "type": {"image"}}, mw.FormDataContentType(), body.Bytes(), &r)
		c.metrics.calls.WithLabelValues(epMediaUpload, errLabel(err)).Inc()
		c.metrics.seconds.WithLabelValues(epMediaUpload).Observe(time.Since(start).Seconds())
		return err
	})
	var ae *APIError
	if errors.As(err, &ae) && (ae.Code == 40004 || ae.Code == 40005 || ae.Code == 40006 || ae.Code == 40009) {
		// invalid media type, file type, file size, image size
		return "", application.Errorf(application.KindInvalid, "invalid_media", err, "WeChat refused the image: %s", ae.Msg)
	}
	if err != nil {
		return "", err
	}
	if r.MediaID == "" {
		return "", application.Errorf(application.KindUnavailable, "wechat_error", nil, "WeChat returned no media_id")
	}
	return r.MediaID, nil
}

// upload is roundTrip for a multipart body.
func (c *Client) upload(ctx context.Context, query url.Values, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.APIBase+"/cgi-bin/media/upload?"+query.Encode(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechat %s: build request: %w", epMediaUpload, err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", epMediaUpload, redactURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("wechat %s: read response: %w", epMediaUpload, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &httpStatusError{Endpoint: epMediaUpload, Status: resp.StatusCode}
	}
	var st apiStatus
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("wechat %s: decode response: %w", epMediaUpload, err)
	}
	if st.ErrCode != 0 {
		return &APIError{Endpoint: epMediaUpload, Code: st.ErrCode, Msg: st.ErrMsg}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("wechat %s: decode response: %w", epMediaUpload, err)
	}
	return nil
}
