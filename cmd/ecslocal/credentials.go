package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// DefaultAccessKeyID and DefaultSecretAccessKey are the credentials
// ecslocal accepts unless --credentials replaces them (the convention of
// local AWS emulators, documented in the README).
const (
	DefaultAccessKeyID     = "test"
	DefaultSecretAccessKey = "test"
)

// loadCredentials reads access keys from a file in the AWS shared
// credentials format: sections with aws_access_key_id and
// aws_secret_access_key. Every section's key is accepted.
func loadCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	creds := map[string]string{}
	var section, akid, secret string
	flush := func(line int) error {
		if section == "" && akid == "" && secret == "" {
			return nil
		}
		if akid == "" || secret == "" {
			return fmt.Errorf("%s:%d: section [%s] needs aws_access_key_id and aws_secret_access_key", path, line, section)
		}
		creds[akid] = secret
		akid, secret = "", ""
		return nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			if err := flush(n); err != nil {
				return nil, err
			}
			section = strings.TrimSpace(line[1 : len(line)-1])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: want key = value", path, n)
			}
			switch strings.TrimSpace(k) {
			case "aws_access_key_id":
				akid = strings.TrimSpace(v)
			case "aws_secret_access_key":
				secret = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if err := flush(n); err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%s: no credentials", path)
	}
	return creds, nil
}
