// Command fakes3 serves an in-memory, S3-compatible API on a loopback address
// for the reference app's tests (scripts/test-app.sh). It wraps
// github.com/johannesboyne/gofakes3 with its s3mem backend: nothing is written
// to disk and everything is lost when it exits.
//
// It prints the bound address (host:port) as the first line on stdout, so the
// default -addr 127.0.0.1:0 lets the kernel pick a free port. It serves until
// SIGINT or SIGTERM. It is a test tool, not part of the deployed stack.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	bucket := flag.String("bucket", "", "optional bucket to create at start")
	flag.Parse()

	if err := run(*addr, *bucket); err != nil {
		log.Fatalf("fakes3: %v", err)
	}
}

func run(addr, bucket string) error {
	backend := s3mem.New()
	if bucket != "" {
		if err := backend.CreateBucket(bucket); err != nil {
			return fmt.Errorf("create bucket %q: %w", bucket, err)
		}
	}
	faker := gofakes3.New(backend)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	fmt.Println(ln.Addr().String())

	srv := &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}
