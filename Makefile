.PHONY: demo test lint bench clean screenshots readme voice-sim

demo:  ## PostgreSQL + Odoo 18 + database callflow_demo, served on localhost:8069 (CALLFLOW_DEMO_LANG=ja_JP: callflow_demo_ja, in Japanese)
	scripts/demo.sh

screenshots:  ## fresh English and Japanese demo databases, photographed into docs/screenshots/
	scripts/screenshots.sh

readme:  ## each addon's README.rst from its readme/ fragments
	$(or $(wildcard .venv/bin/python),python3) scripts/gen_readme.py

voice-sim:  ## a local Twilio-compatible provider for a running `make demo` (README: Twilio-compatible (local simulator))
	$(or $(wildcard .venv/bin/python),python3) scripts/voice_sim.py $(VOICE_SIM_ARGS)

test:  ## lint and every test on a fresh throwaway database
	scripts/test.sh

lint:
	CALLFLOW_LINT_ONLY=1 scripts/test.sh

bench:  ## the benchmarks in bench/ (see README)
	scripts/bench.sh

clean:  ## stop the local PostgreSQL (and the demo's nginx) and remove .local and .venv
	-[ -f .local/nginx/nginx.pid ] && nginx -c $(CURDIR)/.local/nginx/nginx.conf -p $(CURDIR)/.local/nginx -s quit
	-runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D .local/pg/data stop -m fast
	rm -rf .local .venv
