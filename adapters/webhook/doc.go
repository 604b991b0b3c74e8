// Package webhook is the outbound HTTP adapter for webhooks: it signs requests in
// the Standard Webhooks format (webhook-id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256>") and sends them with bounded time, no redirects, and
// protection against server-side request forgery: endpoint URLs are operator input
// the server will call, so loopback, private, link-local and cloud metadata
// addresses are refused when an endpoint is registered and again, on the resolved
// address, each time a connection is made (DNS rebinding cannot get around it).
package webhook
