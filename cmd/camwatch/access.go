package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// deployment is a running deployment's NATS, reached with the
// aggregator's config and credentials, for the user, token and audit
// commands.
type deployment struct {
	cfg   configs.Aggregator
	nc    *nats.Conn
	js    jetstream.JetStream
	dir   *auth.Directory
	audit *audit.Log
	actor audit.Actor
}

func openDeployment(ctx context.Context, path string) (*deployment, error) {
	d := &deployment{}
	if err := configs.Load(path, &d.cfg); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: these commands read the aggregator's config (its NATS and credentials); give it with -config FILE", err)
		}
		return nil, err
	}
	creds, err := natsauth.ClientOptions(d.cfg.NATS, "")
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(d.cfg.NATS.URL, append([]nats.Option{nats.Name("camwatch-cli"), nats.Timeout(5 * time.Second)}, creds...)...)
	if err != nil {
		return nil, fmt.Errorf("nats %s: %w", d.cfg.NATS.URL, err)
	}
	d.nc = nc
	if d.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	if d.dir, err = auth.OpenDirectory(ctx, d.js, auth.DirectoryOptions{Bucket: d.cfg.Auth.Bucket, Replicas: d.cfg.Stream.Replicas}); err != nil {
		nc.Close()
		return nil, err
	}
	if d.audit, err = audit.Open(ctx, d.js, audit.Options{Stream: d.cfg.Audit.Stream, MaxAge: d.cfg.Audit.MaxAge, Replicas: d.cfg.Stream.Replicas}); err != nil {
		nc.Close()
		return nil, err
	}
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	d.actor = audit.Actor{Kind: "cli", Name: name + "@" + host}
	return d, nil
}

func (d *deployment) close() { d.nc.Close() }

// dial opens the deployment of config for a command that must finish
// within timeout; done closes it.
func dial(config string, timeout time.Duration) (context.Context, *deployment, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	d, err := openDeployment(ctx, config)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, d, func() { d.close(); cancel() }, nil
}

// change records the command's change before making it (fail closed:
// without the record, nothing is changed), then its outcome.
func (d *deployment) change(ctx context.Context, action string, objects []string, do func() error) error {
	rec := audit.Record{Actor: d.actor, Action: action, Objects: objects, Result: audit.Allowed}
	seq, err := d.audit.Append(ctx, rec)
	if err != nil {
		return fmt.Errorf("refused, nothing changed: %w", err)
	}
	err = do()
	rec.Ref, rec.Result, rec.Time = seq, audit.OK, time.Time{}
	if err != nil {
		rec.Result, rec.Detail = audit.Failed, err.Error()
	}
	if _, aerr := d.audit.Append(context.WithoutCancel(ctx), rec); aerr != nil {
		fmt.Fprintf(os.Stderr, "camwatch: warning: outcome not recorded in the audit log: %v\n", aerr)
	}
	return err
}

// accessFlags are the flags of user, token and audit commands.
func accessFlags(name string, config *string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(config, "config", "/etc/camwatch/aggregator.yaml", "the aggregator's config `file` (its NATS and credentials)")
	return fs
}

// password reads a new password from stdin (one line) or makes a random
// one that is printed once. Never a flag: arguments show in ps.
func password(fromStdin bool, in io.Reader, out io.Writer, who string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(in, auth.MaxPassword+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), auth.CheckPassword(strings.TrimRight(line, "\r\n"))
	}
	pw := auth.GeneratePassword()
	fmt.Fprintf(out, "password of %s (shown once): %s\n", who, pw)
	return pw, nil
}

// runUser implements camwatch user add|passwd|disable|enable|list.
func runUser(args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: camwatch user add|passwd|disable|enable|list [-config FILE] ...", errUsage)
	}
	sub, rest := args[0], args[1:]
	var config, role, scope string
	var stdin bool
	fs := accessFlags("user "+sub, &config)
	switch sub {
	case "add":
		fs.StringVar(&role, "role", "viewer", "viewer, operator, technician, investigator or admin")
		fs.StringVar(&scope, "scope", "", "programs/wards/cameras the user sees: all, or program=a,b;ward=c;camera=x")
		fallthrough
	case "passwd":
		fs.BoolVar(&stdin, "password-stdin", false, "read the password from standard input instead of making one")
	case "disable", "enable", "list":
	default:
		return fmt.Errorf("%w: unknown user command %q", errUsage, sub)
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if (sub == "list") != (fs.NArg() == 0) || fs.NArg() > 1 {
		return fmt.Errorf("%w: camwatch user %s takes one user name (list takes none)", errUsage, sub)
	}
	name := fs.Arg(0)
	ctx, d, done, err := dial(config, 30*time.Second)
	if err != nil {
		return err
	}
	defer done()
	obj := []string{"user:" + name}
	switch sub {
	case "add":
		r, err := auth.ParseRole(role)
		if err != nil {
			return err
		}
		sc, err := auth.ParseScope(scope)
		if err != nil {
			return err
		}
		pw, err := password(stdin, in, out, name)
		if err != nil {
			return err
		}
		return d.change(ctx, "user.add", append(obj, "role:"+string(r), "scope:"+sc.String()), func() error {
			u, err := d.dir.AddUser(ctx, name, r, sc, pw, d.actor.Kind+":"+d.actor.Name)
			if err == nil {
				fmt.Fprintf(out, "user %s added: %s, scope %s\n", u.Name, u.Role, scopeText(u.Scope))
			}
			return err
		})
	case "passwd":
		if _, err := d.dir.User(ctx, name); err != nil {
			return err
		}
		pw, err := password(stdin, in, out, name)
		if err != nil {
			return err
		}
		return d.change(ctx, "user.password", obj, func() error {
			_, err := d.dir.SetPassword(ctx, name, pw)
			if err == nil {
				fmt.Fprintf(out, "password of %s changed; their sessions have ended\n", name)
			}
			return err
		})
	case "disable", "enable":
		return d.change(ctx, "user."+sub, obj, func() error {
			_, err := d.dir.SetDisabled(ctx, name, sub == "disable")
			if err == nil {
				fmt.Fprintf(out, "user %s %sd\n", name, sub)
			}
			return err
		})
	}
	users, err := d.dir.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSCOPE\tSTATE\tCREATED")
	for _, u := range users {
		st := "active"
		if u.Disabled {
			st = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, scopeText(u.Scope), st, u.Created.Format(time.DateOnly))
	}
	return tw.Flush()
}

func scopeText(s auth.Scope) string {
	if s.Empty() {
		return "(none)"
	}
	return s.String()
}

// runToken implements camwatch token create|revoke|list.
func runToken(args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: camwatch token create|revoke|list [-config FILE] ...", errUsage)
	}
	sub, rest := args[0], args[1:]
	var config, name, role, scope string
	var ttl time.Duration
	fs := accessFlags("token "+sub, &config)
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "what the token is for, e.g. ward-report (required)")
		fs.StringVar(&role, "role", "viewer", "viewer, operator, technician, investigator or admin")
		fs.StringVar(&scope, "scope", "", "all, or program=a,b;ward=c;camera=x")
		fs.DurationVar(&ttl, "expires", 90*24*time.Hour, "lifetime, at most 400 days (9600h)")
	case "revoke", "list":
	default:
		return fmt.Errorf("%w: unknown token command %q", errUsage, sub)
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if (sub == "revoke") != (fs.NArg() == 1) || fs.NArg() > 1 {
		return fmt.Errorf("%w: camwatch token revoke takes one token id; create and list take none", errUsage)
	}
	ctx, d, done, err := dial(config, 30*time.Second)
	if err != nil {
		return err
	}
	defer done()
	switch sub {
	case "create":
		if name == "" {
			return fmt.Errorf("%w: -name is required", errUsage)
		}
		r, err := auth.ParseRole(role)
		if err != nil {
			return err
		}
		sc, err := auth.ParseScope(scope)
		if err != nil {
			return err
		}
		return d.change(ctx, "token.create", []string{"token:" + name, "role:" + string(r), "scope:" + sc.String()}, func() error {
			secret, t, err := d.dir.CreateToken(ctx, name, r, sc, ttl, d.actor.Kind+":"+d.actor.Name)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, secret)
			fmt.Fprintf(errOut, "token %s (id %s): %s, scope %s, expires %s\nIt is shown only now; send it as Authorization: Bearer <token>.\n",
				t.Name, t.ID, t.Role, scopeText(t.Scope), t.Expires.Format(time.RFC3339))
			return nil
		})
	case "revoke":
		id := fs.Arg(0)
		return d.change(ctx, "token.revoke", []string{"token-id:" + id}, func() error {
			t, err := d.dir.RevokeToken(ctx, id)
			if err == nil {
				fmt.Fprintf(out, "token %s (id %s) revoked\n", t.Name, t.ID)
			}
			return err
		})
	}
	toks, err := d.dir.Tokens(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSCOPE\tSTATE\tEXPIRES")
	for _, t := range toks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, scopeText(t.Scope), t.State(now), t.Expires.Format(time.RFC3339))
	}
	return tw.Flush()
}

// runAudit implements camwatch audit verify.
func runAudit(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: camwatch audit verify [-config FILE]", errUsage)
	}
	var config string
	fs := accessFlags("audit verify", &config)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, d, done, err := dial(config, 10*time.Minute)
	if err != nil {
		return err
	}
	defer done()
	rep, err := audit.Verify(ctx, d.js, d.cfg.Audit.Stream)
	if err != nil {
		return err
	}
	if rep.Records == 0 {
		fmt.Fprintf(out, "audit stream %s is empty\n", rep.Stream)
		return nil
	}
	if rep.AgedOut {
		fmt.Fprintf(out, "records before %d have aged out (audit.max_age); the chain is checked from there\n", rep.First)
	}
	if rep.Broken != nil {
		fmt.Fprintf(out, "BROKEN at record %d: %s\n", rep.Broken.Seq, rep.Broken.Reason)
		return fmt.Errorf("the audit chain of %s is broken at record %d", rep.Stream, rep.Broken.Seq)
	}
	fmt.Fprintf(out, "ok: %d records, %d to %d, every link holds\n", rep.Records, rep.First, rep.Last)
	return nil
}
