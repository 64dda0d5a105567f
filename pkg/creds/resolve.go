package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	rdsauth "github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// SecretsPrefix starts a DSN that is the name or ARN of a Secrets Manager secret.
const SecretsPrefix = "secretsmanager:"

// The DSN parameters this package reads and takes out before a driver sees the DSN.
const (
	paramAuth   = "auth"       // iam: an RDS IAM authentication token per connection
	paramSecret = "secret"     // a secret's username and password
	paramRegion = "aws-region" // the region of the secret or the token
)

// ErrInvalid is wrapped by errors in the DSN itself, as opposed to AWS failing to answer.
var ErrInvalid = errors.New("invalid credentials DSN")

// SecretsAPI is what this package needs of Secrets Manager.
type SecretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Resolver turns DSNs with this package's forms into drivers' DSNs. Its zero value uses the
// AWS SDK's default configuration (environment, shared files, instance role).
type Resolver struct {
	// AWS loads the AWS configuration for region ("" for the configured default). Nil means
	// config.LoadDefaultConfig.
	AWS func(ctx context.Context, region string) (aws.Config, error)
	// Secrets makes the Secrets Manager client. Nil means secretsmanager.NewFromConfig.
	Secrets func(aws.Config) SecretsAPI
}

// Uses reports whether a DSN takes one of this package's forms, that is whether Resolve has
// anything to do with it (and AWS to ask, or an error to return).
func Uses(dsn string) bool {
	if strings.HasPrefix(dsn, SecretsPrefix) {
		return true
	}
	_, q, ok := urlQuery(dsn)
	if !ok {
		return nativeParams.MatchString(dsn) // for Resolve to refuse
	}
	return ok && (q.Has(paramAuth) || q.Has(paramSecret) || q.Has(paramRegion))
}

// Resolve returns the DSN a driver understands and the Auth that goes with it. A DSN that uses
// none of this package's forms comes back as it is, with the zero Auth. A secret's password is
// put in the returned DSN (as the DSN's own password, which no other source overrides), so
// the caller masks it like any DSN (dialect.MaskDSN) and never prints it.
func (r Resolver) Resolve(ctx context.Context, dsn string) (string, dialect.Auth, error) {
	if rest, ok := strings.CutPrefix(dsn, SecretsPrefix); ok {
		d, err := r.fromSecret(ctx, rest)
		return d, dialect.Auth{}, err
	}
	u, q, ok := urlQuery(dsn)
	if !ok {
		if nativeParams.MatchString(dsn) {
			return "", dialect.Auth{}, fmt.Errorf("%w: auth=, secret= and aws-region= are read in URL DSNs (mysql://, postgres://), not in a driver's native form", ErrInvalid)
		}
		return dsn, dialect.Auth{}, nil
	}
	region := q.Get(paramRegion)
	secret, iam := q.Get(paramSecret), q.Get(paramAuth)
	if !q.Has(paramAuth) && !q.Has(paramSecret) && !q.Has(paramRegion) {
		return dsn, dialect.Auth{}, nil
	}
	u.RawQuery = without(u.RawQuery, paramAuth, paramSecret, paramRegion)
	var auth dialect.Auth
	switch iam {
	case "":
		if q.Has(paramAuth) {
			return "", auth, fmt.Errorf("%w: auth= wants iam", ErrInvalid)
		}
	case "iam":
		if secret != "" {
			return "", auth, fmt.Errorf("%w: auth=iam and secret=: give one", ErrInvalid)
		}
		if _, ok := u.User.Password(); ok {
			return "", auth, fmt.Errorf("%w: auth=iam and a password in the DSN: give one", ErrInvalid)
		}
		if u.User.Username() == "" {
			return "", auth, fmt.Errorf("%w: auth=iam needs the database user in the DSN (scheme://USER@host:port/db)", ErrInvalid)
		}
		if region == "" {
			region = rdsRegion(u.Hostname())
		}
		cfg, err := r.aws(ctx, region)
		if err != nil {
			return "", auth, err
		}
		if cfg.Region == "" {
			return "", auth, fmt.Errorf("%w: auth=iam: no AWS region: the host is not an RDS endpoint name; add aws-region=REGION", ErrInvalid)
		}
		auth = dialect.Auth{Token: IAMToken(cfg.Region, cfg.Credentials), Cleartext: true, NoDefaults: true}
	default:
		return "", auth, fmt.Errorf("%w: auth=%s: the one method is iam", ErrInvalid, iam)
	}
	if secret != "" {
		if _, ok := u.User.Password(); ok {
			return "", auth, fmt.Errorf("%w: secret= and a password in the DSN: give one", ErrInvalid)
		}
		s, err := r.secret(ctx, secret, region)
		if err != nil {
			return "", auth, err
		}
		if s.Username == "" || s.Password == "" {
			return "", auth, fmt.Errorf("creds: secret %s holds no username or no password", secret)
		}
		u.User = url.UserPassword(s.Username, s.Password)
	} else if q.Has(paramSecret) {
		return "", auth, fmt.Errorf("%w: secret= names no secret", ErrInvalid)
	}
	return u.String(), auth, nil
}

// Secret is a database secret's JSON, as RDS and the Secrets Manager console write it. The
// RDS-managed master user secret holds only the username and the password.
type Secret struct {
	Engine   string     `json:"engine"`
	Host     string     `json:"host"`
	Port     portNumber `json:"port"`
	DBName   string     `json:"dbname"`
	Username string     `json:"username"`
	Password string     `json:"password"`
}

// portNumber is a port written as a number (RDS) or a string (hand-made secrets).
type portNumber int

func (p *portNumber) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 65535 {
		return errPort
	}
	*p = portNumber(n)
	return nil
}

var errPort = errors.New("port is not a port number")

// FetchSecret reads a database secret's current value.
func FetchSecret(ctx context.Context, api SecretsAPI, id string) (Secret, error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return Secret{}, fmt.Errorf("creds: secret %s: %w", id, err)
	}
	if out.SecretString == nil {
		return Secret{}, fmt.Errorf("creds: secret %s holds binary data, not the JSON of database credentials", id)
	}
	var s Secret
	if err := json.Unmarshal([]byte(*out.SecretString), &s); err != nil {
		// The JSON decoder quotes pieces of the value, which may be pieces of the password.
		if errors.Is(err, errPort) {
			return Secret{}, fmt.Errorf("creds: secret %s: %w", id, errPort)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Secret{}, fmt.Errorf("creds: secret %s: %s has the wrong type", id, te.Field)
		}
		return Secret{}, fmt.Errorf("creds: secret %s does not hold the JSON of database credentials ({\"username\": ..., \"password\": ...})", id)
	}
	return s, nil
}

// fromSecret builds a DSN from a secret in the RDS JSON form: spec is NAME or ARN, optionally
// followed by ?params for the driver (tls=true, sslmode=verify-full, ...).
func (r Resolver) fromSecret(ctx context.Context, spec string) (string, error) {
	id, raw, _ := strings.Cut(spec, "?") // secret names hold no '?'
	if id == "" {
		return "", fmt.Errorf("%w: %sNAME names no secret", ErrInvalid, SecretsPrefix)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %s%s: parameters: not URL-encoded", ErrInvalid, SecretsPrefix, id)
	}
	if q.Has(paramAuth) || q.Has(paramSecret) {
		return "", fmt.Errorf("%w: %s%s takes its user and password from the secret: auth= and secret= do not go with it", ErrInvalid, SecretsPrefix, id)
	}
	s, err := r.secret(ctx, id, q.Get(paramRegion))
	if err != nil {
		return "", err
	}
	var scheme string
	switch strings.ToLower(s.Engine) {
	case "mysql", "mariadb", "aurora", "aurora-mysql":
		scheme = "mysql"
	case "postgres", "postgresql", "aurora-postgresql":
		scheme = "postgres"
	case "":
		return "", fmt.Errorf("creds: secret %s names no engine: give the DSN and ?secret=%s instead", id, id)
	default:
		return "", fmt.Errorf("creds: secret %s is for engine %q: dbverify reads MySQL, MariaDB and PostgreSQL", id, s.Engine)
	}
	if s.Host == "" || s.Username == "" || s.Password == "" {
		return "", fmt.Errorf("creds: secret %s lacks the host, the username or the password: give the DSN and ?secret=%s instead", id, id)
	}
	host := s.Host
	if s.Port != 0 {
		host = net.JoinHostPort(s.Host, strconv.Itoa(int(s.Port)))
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(s.Username, s.Password), Host: host, Path: "/" + s.DBName,
		RawQuery: without(raw, paramRegion)}
	return u.String(), nil
}

// secret fetches secret id, from the region of its ARN, else region, else the default one.
func (r Resolver) secret(ctx context.Context, id, region string) (Secret, error) {
	if arn := strings.Split(id, ":"); len(arn) >= 7 && arn[0] == "arn" && arn[2] == "secretsmanager" {
		region = arn[3]
	}
	cfg, err := r.aws(ctx, region)
	if err != nil {
		return Secret{}, err
	}
	var api SecretsAPI
	if r.Secrets != nil {
		api = r.Secrets(cfg)
	} else {
		api = secretsmanager.NewFromConfig(cfg)
	}
	return FetchSecret(ctx, api, id)
}

func (r Resolver) aws(ctx context.Context, region string) (aws.Config, error) {
	var cfg aws.Config
	var err error
	if r.AWS != nil {
		cfg, err = r.AWS(ctx, region)
	} else {
		var opts []func(*config.LoadOptions) error
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		cfg, err = config.LoadDefaultConfig(ctx, opts...)
	}
	if err != nil {
		return cfg, fmt.Errorf("creds: AWS configuration: %w", err)
	}
	if region != "" {
		cfg.Region = region
	}
	return cfg, nil
}

// IAMToken returns a dialect.Auth Token that builds an RDS IAM authentication token for each
// connection, signed with creds for the login's host, port and user in region. Building one is
// local (a presigned URL): no call to AWS beyond what creds needs.
func IAMToken(region string, creds aws.CredentialsProvider) func(context.Context, dialect.Login) (string, error) {
	return func(ctx context.Context, l dialect.Login) (string, error) {
		if creds == nil {
			return "", errors.New("no AWS credentials")
		}
		endpoint := net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
		t, err := rdsauth.BuildAuthToken(ctx, endpoint, region, l.User, creds)
		if err != nil {
			return "", fmt.Errorf("RDS IAM token for %s@%s: %w", l.User, endpoint, err)
		}
		return t, nil
	}
}

// rdsHost is an RDS endpoint name: NAME.ID.REGION.rds.amazonaws.com (or .com.cn).
var rdsHost = regexp.MustCompile(`(?i)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.rds\.amazonaws\.com(?:\.cn)?$`)

// rdsRegion is the region an RDS endpoint name tells, or "".
func rdsRegion(host string) string {
	if m := rdsHost.FindStringSubmatch(host); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// urlQuery parses a URL DSN (scheme://...) and its query.
func urlQuery(dsn string) (*url.URL, url.Values, bool) {
	if !strings.Contains(dsn, "://") {
		return nil, nil, false
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, nil, false
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, nil, false
	}
	return u, q, true
}

// nativeParams finds this package's parameters in a DSN of a driver's native form.
var nativeParams = regexp.MustCompile(`[?&\s](auth|secret|aws-region)=`)

// without is a raw query without the parameters named, the others as they were written.
func without(raw string, names ...string) string {
	var keep []string
	for _, p := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(k); p == "" || err == nil && containsName(names, k) {
			continue
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, "&")
}

func containsName(names []string, k string) bool {
	for _, n := range names {
		if n == k {
			return true
		}
	}
	return false
}
