"""The mentoring workspace: application factory."""

import logging
from pathlib import Path

from flask import Flask
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, db, extensions, i18n, page_cache, safety, security

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Our modules log under "workspace", Flask's app.logger, which writes to stderr.
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    if proxies := app.config["FORWARDED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    page_cache.init_app(app)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app, PROJECT_ROOT / "translations")
    security.init_app(app)
    safety.init_app(app)  # before the routes: their <int:…> converters

    from .auth.services import load_user, offer_text
    from .notifications.services import unread_count

    login_manager = extensions.login_manager
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # the sign-in page says why on its own

    from . import (
        admin,
        auth,
        benchmarks,
        cli,
        errors,
        health,
        notifications,
        pairs,
        plans,
        privacy,
        search,
        tasks,
        threads,
        timeline,
    )

    for area in (
        auth,
        pairs,
        threads,
        tasks,
        timeline,
        plans,
        benchmarks,
        notifications,
        admin,
        privacy,
        search,
        health,
    ):
        app.register_blueprint(area.bp)
    from .attachments_routes import bp as attachments_bp  # shared by threads and timeline

    app.register_blueprint(attachments_bp)
    errors.init_app(app)
    cli.init_app(app)

    from . import labels, policy

    app.jinja_env.globals["policy"] = policy.TEMPLATE_FUNCTIONS
    app.jinja_env.globals["labels"] = labels.TEMPLATE_LABELS
    app.jinja_env.globals["offer_text"] = offer_text
    app.jinja_env.globals["unread_notifications"] = lambda: unread_count(current_user)
    return app
