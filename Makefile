# wxinvite — the commands a newcomer needs. `make help` lists them.
GO      ?= go
PKG     := ./...
BIN     := bin/wxinvite
# Browser tests need Debian's chromium; `make test` installs it when it can.
CHROMIUM ?= /usr/bin/chromium

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## start the service on SQLite with the built-in WeChat emulator (http://127.0.0.1:8080)
	$(GO) run ./bootstrap/cmd/wxinvite

.PHONY: build
build: ## build the binary into bin/wxinvite
	$(GO) build -trimpath -o $(BIN) ./bootstrap/cmd/wxinvite

.PHONY: test
test: tools ## run every test with -race (MySQL suites need WXINVITE_TEST_MYSQL_URL)
	@if [ -z "$$WXINVITE_TEST_MYSQL_URL" ]; then \
	  echo "################################################################"; \
	  echo "## WXINVITE_TEST_MYSQL_URL is not set: every MySQL suite and"; \
	  echo "## the MySQL end-to-end runs will be SKIPPED. To run them:"; \
	  echo "##   WXINVITE_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/wxinvite_test make test"; \
	  echo "################################################################"; \
	fi
	$(GO) test -race -count=1 -timeout 15m $(PKG)

.PHONY: tools
tools: ## check (and, as root, install) chromium and the Galera packages the tests use
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (and a CJK font for readable screenshots) for the browser tests"; \
	    (apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null)) \
	      || echo "!! could not install chromium: browser tests will fail in CI and skip locally"; \
	  else echo "!! chromium is missing (apt-get install chromium): browser tests will skip locally"; fi; }
	@{ [ -e /usr/lib/galera/libgalera_smm.so ] && command -v rsync >/dev/null && command -v mariadbd >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing galera-4, rsync and mariadb-server for the cluster tests"; \
	    (apt-get install -y -q galera-4 rsync mariadb-server >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q galera-4 rsync mariadb-server >/dev/null)) \
	      || echo "!! could not install the Galera packages: cluster tests will fail in CI and skip locally"; \
	  else echo "!! galera-4/rsync/mariadb-server missing: cluster tests will skip locally"; fi; }

.PHONY: bench
bench: ## load benchmarks: callback hot path, store Join vs raw inserts, scan path end to end
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./adapters/wechat/wxcrypto/ ./adapters/wechat/ ./adapters/sqlstore/ ./test/webhookbench/
	$(GO) test -run '^$$' -bench . -benchtime 100x ./adapters/poster/
	$(GO) run ./test/loadbench $(BENCHFLAGS)

.PHONY: lint
lint: ## gofmt check, go vet and the layering test (imports follow README's drawing)
	@out=$$(gofmt -l domain application adapters bootstrap test); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKG)
	$(GO) test -count=1 ./test/layering/

.PHONY: fmt
fmt: ## format the code
	gofmt -w domain application adapters bootstrap test
