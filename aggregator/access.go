package aggregator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/nats-io/nats.go/jetstream"
)

// startAccess opens the identity store (watched until runCtx ends), the
// audit log (indexed into Redis until runCtx ends), creates the first
// admin on a fresh deployment when asked to, and returns the login and
// session service.
func (a *Aggregator) startAccess(ctx, runCtx context.Context, js jetstream.JetStream) (*auth.Service, error) {
	cfg := &a.opts.Config
	dir, err := auth.OpenDirectory(ctx, js, auth.DirectoryOptions{Bucket: cfg.Auth.Bucket, Replicas: cfg.Stream.Replicas,
		Argon2: a.opts.Argon2, Logger: a.opts.Logger.With("component", "auth")})
	if err != nil {
		return nil, err
	}
	if err := dir.Watch(runCtx); err != nil {
		return nil, err
	}
	a.dir = dir
	a.auditLog, err = audit.Open(ctx, js, audit.Options{Stream: cfg.Audit.Stream, MaxAge: cfg.Audit.MaxAge,
		Replicas: cfg.Stream.Replicas, Redis: a.rdb, Prefix: cfg.Redis.Prefix, IndexRetention: cfg.Audit.IndexRetention,
		Registerer: a.opts.Registerer, Logger: a.opts.Logger.With("component", "audit")})
	if err != nil {
		return nil, err
	}
	a.auditWG.Add(1)
	go func() { defer a.auditWG.Done(); _ = a.auditLog.Run(runCtx) }()
	if pw := a.opts.BootstrapAdminPassword; !pw.Empty() {
		if err := a.bootstrapAdmin(ctx, cfg.Auth.BootstrapAdmin, pw.Reveal()); err != nil {
			return nil, err
		}
	}
	return auth.NewService(auth.ServiceOptions{Directory: dir, Redis: a.rdb, Prefix: cfg.Redis.Prefix,
		SessionIdle: cfg.Auth.SessionIdle, SessionAbsolute: cfg.Auth.SessionAbsolute,
		FailuresPerUser: cfg.Auth.FailuresPerUser, FailuresPerAddress: cfg.Auth.FailuresPerAddress,
		FailureWindow: cfg.Auth.FailureWindow, Registerer: a.opts.Registerer,
		Logger: a.opts.Logger.With("component", "auth")})
}

// bootstrapAdmin creates the first admin when the deployment has no user
// at all; otherwise it only says that the variable can go.
func (a *Aggregator) bootstrapAdmin(ctx context.Context, name, password string) error {
	has, err := a.dir.HasUsers(ctx)
	if err != nil {
		return err
	}
	if has {
		a.log.Info("users exist; the bootstrap admin password was not used (unset " + a.opts.Config.Auth.BootstrapAdminEnv + ")")
		return nil
	}
	actor := audit.Actor{Kind: "system", Name: "bootstrap"}
	if _, err := a.auditLog.Append(ctx, audit.Record{Actor: actor, Action: "user.add", Objects: []string{"user:" + name},
		Result: audit.Allowed, Detail: "first admin from " + a.opts.Config.Auth.BootstrapAdminEnv}); err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	_, err = a.dir.AddUser(ctx, name, auth.Admin, auth.Scope{All: true}, password, "bootstrap")
	if errors.Is(err, auth.ErrExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bootstrap admin %s (from %s): %w", name, a.opts.Config.Auth.BootstrapAdminEnv, err)
	}
	a.log.Warn("first admin created from the environment; change its password and unset the variable",
		"user", name, "env", a.opts.Config.Auth.BootstrapAdminEnv)
	return nil
}

// accessOptions turns the http section into the API's access policy.
func accessOptions(cfg *configs.Aggregator) (api.Access, error) {
	h := cfg.HTTP
	u, err := url.Parse(h.PublicURL)
	if err != nil {
		return api.Access{}, fmt.Errorf("http.public_url: %w", err)
	}
	acc := api.Access{PublicURL: u, SSEPerUser: h.SSEPerUser, SSETotal: h.SSETotal,
		MaxSilencesPerScope: h.MaxSilencesPerScope, MaxMaintenancePerScope: h.MaxMaintenancePerScope,
		HideLocations: h.ViewerHidesLocations == nil || *h.ViewerHidesLocations,
		SecureCookies: u.Scheme == "https" || cfg.TLSCert != "", MetricsToken: cfg.MetricsToken.Reveal()}
	for _, name := range h.Hosts {
		acc.Hosts = append(acc.Hosts, strings.ToLower(name))
	}
	for _, p := range h.TrustedProxies {
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			ad, err := netip.ParseAddr(p)
			if err != nil {
				return api.Access{}, fmt.Errorf("http.trusted_proxies: %q: %w", p, err)
			}
			pre = netip.PrefixFrom(ad, ad.BitLen())
		}
		acc.TrustedProxies = append(acc.TrustedProxies, pre)
	}
	return acc, nil
}
