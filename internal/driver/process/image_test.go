package process

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/driver"
)

var normalizeTests = []struct{ in, want string }{
	{"api", "api:latest"},
	{"api:v1", "api:v1"},
	{"123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1", "api:v1"},
	{"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api", "team/api:latest"},
	{"docker.io/library/nginx", "nginx:latest"},
	{"library/nginx:1.27", "nginx:1.27"},
	{"docker.io/bitnami/redis:7", "bitnami/redis:7"},
	{"localhost:5000/web", "web:latest"},
	{"localhost/web:dev", "web:dev"},
	{"app@sha256:0123", "app@sha256:0123"},
	{"team/app", "team/app:latest"},
}

func TestNormalizeRef(t *testing.T) {
	t.Parallel()
	for _, tc := range normalizeTests {
		if got := NormalizeRef(tc.in); got != tc.want {
			t.Errorf("NormalizeRef(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestImageMap(t *testing.T) {
	t.Parallel()
	m := ImageMap{"api": {Path: "/bin/api"}, "docker.io/library/web:v2": {Path: "/bin/web"}}
	for ref, want := range map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/api": "/bin/api",
		"api:latest": "/bin/api",
		"web:v2":     "/bin/web",
	} {
		img, err := m.Resolve(ref)
		if err != nil || img.Path != want {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", ref, img, err, want)
		}
	}
	if _, err := m.Resolve("api:v9"); !errors.Is(err, driver.ErrImageNotFound) {
		t.Errorf("Resolve(api:v9) = %v; want ErrImageNotFound", err)
	}
}

func TestParseImageSpec(t *testing.T) {
	t.Parallel()
	ref, img, err := ParseImageSpec("api:v1=/usr/local/bin/api --port 80")
	if err != nil || ref != "api:v1" || img.Path != "/usr/local/bin/api" || !slices.Equal(img.Args, []string{"--port", "80"}) {
		t.Errorf("ParseImageSpec = %q, %+v, %v", ref, img, err)
	}
	for _, bad := range []string{"api", "=/bin/x", "api=", "api=  "} {
		if _, _, err := ParseImageSpec(bad); err == nil {
			t.Errorf("ParseImageSpec(%q) succeeded", bad)
		}
	}
}

func TestArgv(t *testing.T) {
	t.Parallel()
	img := Image{Path: "/bin/app", Args: []string{"serve"}}
	tests := []struct {
		name       string
		entry, cmd []string
		want       []string
	}{
		{"Defaults", nil, nil, []string{"/bin/app", "serve"}},
		{"Command", nil, []string{"migrate", "up"}, []string{"/bin/app", "migrate", "up"}},
		{"EntryPoint", []string{"/bin/sh", "-c"}, nil, []string{"/bin/sh", "-c"}},
		{"Both", []string{"/bin/sh", "-c"}, []string{"echo hi"}, []string{"/bin/sh", "-c", "echo hi"}},
	}
	for _, tc := range tests {
		got := argv(img, &driver.TaskConfig{EntryPoint: tc.entry, Command: tc.cmd})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: argv = %q; want %q", tc.name, got, tc.want)
		}
	}
	// argv never aliases the image's or the config's slices.
	got := argv(img, &driver.TaskConfig{})
	got[1] = "changed"
	if img.Args[0] != "serve" {
		t.Error("argv modified the image's default arguments")
	}
}

func TestEnviron(t *testing.T) {
	t.Parallel()
	got := environ([]string{"PATH=/bin"}, &driver.TaskConfig{
		Env:          map[string]string{"B": "2", "A": "1"},
		PortBindings: []driver.PortBinding{{ContainerPort: 9000, HostPort: 40000}},
	})
	want := []string{"PATH=/bin", "A=1", "B=2", "PORT_9000=40000", "PORT=40000"}
	if !slices.Equal(got, want) {
		t.Errorf("environ = %q; want %q", got, want)
	}
}
