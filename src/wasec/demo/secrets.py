"""A throwaway git repository whose history leaked credentials, for ``make demo``.

Every value is drawn at random when the demo runs (GitHub's token checksum included, so the format
check passes); nothing secret-shaped is stored in wasec's own repository.
"""

from __future__ import annotations

import binascii
import contextlib
import os
import random
import string
import subprocess
import tempfile

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _github_token(r: random.Random) -> str:
    while True:
        body = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(30))
        n, crc = binascii.crc32(body.encode()), ""
        while n:
            n, d = divmod(n, 62)
            crc = _B62[d] + crc
        if len(crc) == 6:
            return "ghp_" + body + crc


def build(path: str) -> str:
    """A repository where a token was committed and then 'removed', and a password is still in the tree."""
    r = random.Random()
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.test",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.test"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", path, *args], check=True, env=env, capture_output=True)

    def write(rel: str, text: str) -> None:
        os.makedirs(os.path.dirname(os.path.join(path, rel)), exist_ok=True)
        with open(os.path.join(path, rel), "w") as fh:
            fh.write(text)

    git("init", "-q", "-b", "main")
    write("deploy/release.env", f"REGION=eu-west-1\nGITHUB_TOKEN={_github_token(r)}\n")
    write("app/settings.py", 'DB_HOST = "db.internal"\nDB_PASSWORD = os.environ["DB_PASSWORD"]\n')
    git("add", "-A")
    git("commit", "-q", "--no-gpg-sign", "-m", "release script")
    write("deploy/release.env", "REGION=eu-west-1\nGITHUB_TOKEN=${GITHUB_TOKEN}\n")
    password = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(14)) + "!"
    write("app/settings.py", f'DB_HOST = "db.internal"\nDB_PASSWORD = "{password}"  # quick local fix\n')
    git("add", "-A")
    git("commit", "-q", "--no-gpg-sign", "-m", "read the token from the environment; quick db fix")
    return path


if __name__ == "__main__":
    import sys

    from wasec.cli.commands import cli

    with tempfile.TemporaryDirectory(prefix="wasec-secrets-demo-") as tmp:
        repo = build(tmp)
        print("== wasec secrets (the working tree of a demo repository) ==", flush=True)
        with contextlib.suppress(SystemExit):
            cli.main(["secrets", repo], standalone_mode=False)
        print("\n== wasec secrets --all-history (the token 'removed' in the last commit is still in history) ==",
              flush=True)
        try:
            cli.main(["secrets", repo, "--all-history"], standalone_mode=False)
        except SystemExit as e:
            sys.exit(0 if e.code in (0, 1) else e.code)
