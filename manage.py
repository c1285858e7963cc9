#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing or malformed setting is the operator's to fix, not a crash: say which and how.
        sys.stderr.write(
            f"配置错误 / configuration error: {exc}\n"
            "运行 `make env` 生成 .env，或按 .env.example 设置环境变量 / "
            "run `make env` to write .env, or set the variables listed in .env.example\n"
        )
        sys.exit(2)
