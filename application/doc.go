// Package application holds wxinvite's use cases and the ports they speak through.
// It imports only the domain and the standard library: storage, WeChat and HTTP are
// adapters that implement or call these ports, wired together in bootstrap.
package application
