package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/internal/demo"
)

func demoCommand() *cli.Command {
	var cfg demo.Config
	var mysqlURL, pgURL string
	return &cli.Command{
		Name:      "demo",
		Usage:     "build a source and a target with known drift on local servers and compare them",
		UsageText: "dbverify demo [--mysql URL] [--postgres URL] [--rows N] [--keep]",
		Description: `Creates the databases ` + demo.SourceDB + ` and ` + demo.TargetDB + ` on each server that
answers, fills them alike, plants drift in the target (a lost row, an extra row, a
changed letter case, NULL turned into '', a rounding, damaged binary data, a trailing
space), runs compare and checks that exactly that drift is reported. Then it writes the
repair SQL (compare --repair), runs it on its own throwaway target and compares again:
identical. The demo databases are dropped afterwards unless --keep is given.

Examples:
  make demo                      # starts throwaway servers when none is running
  dbverify demo --postgres postgres://postgres@127.0.0.1:5432/ --mysql ''`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "mysql", Value: "mysql://root@127.0.0.1:3306/", EnvVars: []string{"DBVERIFY_TEST_MYSQL"}, Usage: "MariaDB/MySQL server `URL` ('' to skip)", Destination: &mysqlURL},
			&cli.StringFlag{Name: "postgres", Value: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", EnvVars: []string{"DBVERIFY_TEST_POSTGRES"}, Usage: "PostgreSQL server `URL` ('' to skip)", Destination: &pgURL},
			&cli.IntFlag{Name: "rows", Value: 20_000, Usage: "customers and orders per table (`N`)", Destination: &cfg.Rows},
			&cli.BoolFlag{Name: "keep", Usage: "keep the demo databases afterwards", Destination: &cfg.Keep},
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("demo: %v", err) },
		Action: func(c *cli.Context) error {
			if mysqlURL != "" {
				cfg.Servers = append(cfg.Servers, demo.Server{Name: "MariaDB/MySQL", Engine: "mysql", URL: mysqlURL})
			}
			if pgURL != "" {
				cfg.Servers = append(cfg.Servers, demo.Server{Name: "PostgreSQL", Engine: "postgres", URL: pgURL})
			}
			if len(cfg.Servers) == 0 {
				return usage("demo: give at least one of --mysql and --postgres")
			}
			cfg.Out = c.App.Writer
			if err := demo.Run(c.Context, cfg); err != nil {
				return fail(err)
			}
			return nil
		},
	}
}
