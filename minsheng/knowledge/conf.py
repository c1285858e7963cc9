"""Settings of the knowledge app, read from the environment (see README, "Knowledge base")."""

from minsheng.lib.env import env_str

# The write page asks for suggestions while the citizen types (debounced in the browser): a person
# types far fewer than 60 pauses a minute; a script does not get more.
RATE_SIMILAR = env_str("MINSHENG_RATE_KB_SIMILAR", "60/m")
