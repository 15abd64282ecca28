# ecslocal: see README.md. The two commands a newcomer needs are
# `make run` and `make test`.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# How much each fuzz target runs in `make test`: a count of executions, not
# a duration, because Go 1.26's fuzz coordinator can fail a duration-bounded
# run with a spurious "context deadline exceeded" when the machine is busy
# (golang/go#75804, fixed in Go 1.27). Run longer by hand with
# `make fuzz FUZZTIME=5m`.
FUZZTIME    ?= 60000x
PORT        ?= 3000

.PHONY: all build run run-forum test fuzz bench image lint clean

all: build

build:
	$(GO) build -o bin/forum ./cmd/forum
	$(GO) build -o bin/ecslocal ./cmd/ecslocal

# The whole reference system: ECS cluster, two container instances, the ALB
# (listener 80 published on host port 8080), the forum service. Ctrl-C
# stops it. `make run-forum` serves the forum alone on $(PORT).
run: build
	./bin/ecslocal up --publish 80:8080

run-forum: build
	PORT=$(PORT) ./bin/forum

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseID$$' -fuzztime $(FUZZTIME) ./internal/forum/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./internal/forum/store
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeQuery$$' -fuzztime $(FUZZTIME) ./internal/awsapi
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeJSON$$' -fuzztime $(FUZZTIME) ./internal/awsapi
	$(GO) test -run '^$$' -fuzz '^FuzzHandle$$' -fuzztime 5000x ./internal/awsapi/elbapi
	$(GO) test -run '^$$' -fuzz '^FuzzHandle$$' -fuzztime 5000x ./internal/awsapi/cfnapi
	$(GO) test -run '^$$' -fuzz '^FuzzHandle$$' -fuzztime 5000x ./internal/awsapi/ecsapi
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime 20000x ./internal/awsapi
	$(GO) test -run '^$$' -fuzz '^FuzzMatchPattern$$' -fuzztime $(FUZZTIME) ./internal/elb
	$(GO) test -run '^$$' -fuzz '^FuzzClassify$$' -fuzztime 20000x ./internal/elb/proxy
	$(GO) test -run '^$$' -fuzz '^FuzzParseExpression$$' -fuzztime $(FUZZTIME) ./internal/ecs
	$(GO) test -run '^$$' -fuzz '^FuzzPlan$$' -fuzztime 20000x ./internal/cfn

bench: build
	bash bench/run.sh

# A static binary built here, copied into an image FROM scratch: nothing is
# pulled (see Dockerfile).
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/forum-static ./cmd/forum
	docker build --target prebuilt -t api:v1 .

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
