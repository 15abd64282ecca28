package httpapi

import (
	"net/http"
	"time"

	"github.com/valyala/fasthttp"
)

// ServeFastHTTP answers one request through fasthttp, the engine the forum
// serves with: the benchmark (bench/README.md) measured net/http's
// per-request overhead as the bulk of the cost of these small, pre-rendered
// answers. It writes exactly what ServeHTTP writes; the route table test runs
// against both engines.
func (h *Handler) ServeFastHTTP(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	method, path := string(ctx.Method()), string(ctx.Path())
	resp := h.answer(ctx, method, path)
	ctx.SetStatusCode(resp.status)
	if resp.allow {
		ctx.Response.Header.Set("Allow", allowGetHead[0])
	}
	n := 0
	if resp.contentType != nil {
		ctx.SetContentType(resp.contentType[0])
		// SetBodyRaw shares the pre-rendered bytes instead of copying them;
		// they are never modified. For HEAD fasthttp sends the
		// Content-Length of this body and leaves the body out.
		ctx.Response.SetBodyRaw(resp.body)
		if method != http.MethodHead {
			n = len(resp.body)
		}
	}
	h.logRequest(ctx, method, path, resp.status, n, start)
}

// NewFastServer returns the fasthttp server the forum runs: h as the
// handler, no headers of fasthttp's own (no Server, no default
// Content-Type), and timeouts suited to sitting behind a load balancer.
// wrap, if not nil, runs after h for every request (cmd/forum uses it to
// close connections while draining).
func NewFastServer(h *Handler, wrap func(*fasthttp.RequestCtx), logger fasthttp.Logger) *fasthttp.Server {
	handler := h.ServeFastHTTP
	if wrap != nil {
		handler = func(ctx *fasthttp.RequestCtx) {
			h.ServeFastHTTP(ctx)
			wrap(ctx)
		}
	}
	return &fasthttp.Server{
		Handler:               handler,
		Name:                  "",
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ReadTimeout:           10 * time.Second,
		// Longer than the ALB's idle timeout (60 s by default), so the
		// load balancer, not the target, closes idle connections: a target
		// that closes first races the balancer's next request into a 502.
		IdleTimeout: 65 * time.Second,
		Logger:      logger,
		// Request bodies are never read by this API.
		MaxRequestBodySize: 1 << 20,
	}
}
