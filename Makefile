# The two commands of the README: `make serve` and `make test`. Both create the
# virtual environment on first use; it is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 3000

STAGE ?= dev

.PHONY: serve test test-fast install clean package deploy lock

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

serve: install
	$(PY) -m chalicelib.local.server --port $(PORT)

# Tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= auto

test: install
	$(PY) -m ruff check --quiet .
	$(PY) -m pytest -q -n $(PYTEST_WORKERS)

# The inner loop: everything but the generated-case, browser and server-to-server tests.
test-fast: install
	$(PY) -m ruff check --quiet .
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) -m "not generated and not browser and not slow"

# The deployment zip (runtime dependencies and bytecode) and template of a stage, in build/$(STAGE)/.
package: install
	$(PY) -m infra.package --stage $(STAGE)

# Pins what the Lambda ships (infra/runtime.lock) again, after a runtime dependency changed.
lock: install
	$(PY) -m infra.package --lock

# Deploys build/$(STAGE) with CloudFormation: needs the AWS CLI, credentials and an S3
# bucket for the code (DEPLOY_BUCKET). Creates the stack contacts-api-$(STAGE).
deploy: package
	@command -v aws >/dev/null || { echo "make deploy needs the AWS CLI (pip install awscli) and AWS credentials"; exit 1; }
	@test -n "$(DEPLOY_BUCKET)" || { echo "set DEPLOY_BUCKET to an S3 bucket that may hold the code"; exit 1; }
	aws cloudformation package --use-json --template-file build/$(STAGE)/sam.json \
		--s3-bucket $(DEPLOY_BUCKET) --output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.json \
		--stack-name contacts-api-$(STAGE) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND
	aws cloudformation describe-stacks --stack-name contacts-api-$(STAGE) \
		--query "Stacks[0].Outputs[?OutputKey=='EndpointURL'].OutputValue" --output text

clean:
	rm -rf $(VENV) build .pytest_cache
