"""Flask extension instances, bound to the app in ``create_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from messaging import rate_limit_memory  # noqa: F401  (importing it makes it the storage of memory://)
from messaging.planned_once import RequestSession

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL
# and make batch (copy-and-move) migrations on SQLite possible.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": RequestSession})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
# "basic" protection hashed the client's address and browser on every request only to mark a
# session not fresh when they changed, and nothing here asks for a fresh sign-in. What ends a
# session is its version (messaging/auth.py): signing out ends it everywhere.
login_manager.session_protection = None
csrf = CSRFProtect()
# Only the views that check a password are limited (messaging/sign_in_limits.py); nothing has a
# default limit. The moving window means "at most N in any such period", which is what the
# sign-in page promises. Storage and switches come from the RATELIMIT_* settings of config.py.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window")
