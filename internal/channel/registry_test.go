package channel_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/model"
)

type testPost struct{ base string }

func (testPost) Name() string { return "testpost" }

// A new channel is one package and one registration: this test registers
// one and nothing else changes, yet configuration, help, CLI usage,
// registration checks and display names all know it.
func TestOneRegistrationIsEnough(t *testing.T) {
	channel.Register(channel.Spec{Name: "testpost", Display: "Test Post", Country: "DK",
		Letter: map[string]string{"da": "Testbrev"},
		Configure: func(_ config.Config, r *config.Reader) channel.Opener {
			base := r.URL("POSTVAKT_TESTPOST_URL", "Test Post base; unset = off")
			r.Duration("POSTVAKT_TESTPOST_OVERLAP", 10*time.Minute, "how far windows overlap")
			if base == "" {
				return nil
			}
			return func(channel.Deps) (channel.Adapter, error) { return testPost{base}, nil }
		}})

	if !slices.Contains(model.Channels(), "testpost") {
		t.Errorf("model.Channels() = %v", model.Channels())
	}
	ns := model.NewShipment{Channel: "testpost", ChannelID: "x-1", SenderOrg: "964338531", SenderUnit: "Unit",
		RecipientKind: model.RecipientOrg, RecipientID: "974760673", Title: "t", Class: "c", SentAt: time.Now().Add(-time.Hour)}
	for _, e := range ns.Validate(time.Now(), nil) {
		if e.Field == "channel" {
			t.Errorf("registration refused: %+v", e)
		}
	}
	if !strings.Contains(channel.Usage(), "testpost") {
		t.Errorf("usage %q", channel.Usage())
	}
	if got := channel.Ref("testpost", "42", "da"); got != "Testbrev 42" {
		t.Errorf("ref %q", got)
	}
	if got := channel.Ref("testpost", "42", "no"); got != "Test Post 42" {
		t.Errorf("ref without a Norwegian noun %q", got)
	}
	var help []string
	for _, v := range config.Describe(channel.Sections()...) {
		help = append(help, v.Name)
	}
	if !slices.Contains(help, "POSTVAKT_TESTPOST_URL") || !slices.Contains(help, "POSTVAKT_TESTPOST_OVERLAP") {
		t.Errorf("help lacks the channel's variables: %v", help)
	}

	load := func(env map[string]string) config.Config {
		c, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	open, err := channel.Open(load(map[string]string{"POSTVAKT_TESTPOST_URL": "http://127.0.0.1:1"}), channel.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	picked, err := channel.Pick(open, "testpost")
	if err != nil || len(picked) != 1 || picked[0].(testPost).base != "http://127.0.0.1:1" {
		t.Fatalf("picked %v, %v", picked, err)
	}
	if _, err := channel.Open(load(map[string]string{"POSTVAKT_TESTPOST_URL": "http://127.0.0.1:1",
		"POSTVAKT_TESTPOST_OVERLAP": "ten minutes"}), channel.Deps{}); err == nil ||
		!strings.Contains(err.Error(), "POSTVAKT_TESTPOST_OVERLAP") {
		t.Fatalf("a bad value must fail with the variable's name: %v", err)
	}
	if _, err := channel.Pick(open, "nopost"); err == nil || !strings.Contains(err.Error(), "unknown channel") {
		t.Fatalf("unknown channel: %v", err)
	}
	// The configured channels are those whose settings are set, what
	// registration takes letters of (a letter of another is refused).
	on := load(map[string]string{"POSTVAKT_TESTPOST_URL": "http://127.0.0.1:1"})
	if got := channel.Configured(on); !slices.Equal(got, []string{"testpost"}) {
		t.Errorf("configured %v, want [testpost]", got)
	}
	if got := channel.Configured(load(nil)); len(got) != 0 {
		t.Errorf("configured with no settings: %v", got)
	}
	ns.Channel = "testpost"
	refused := false
	for _, e := range ns.Validate(time.Now(), []string{"svarut"}) {
		refused = refused || e.Field == "channel" && strings.Contains(e.Message, `"testpost" (Test Post) is not configured`)
	}
	if !refused {
		t.Error("a letter of a channel that is off is not refused naming it")
	}
}
