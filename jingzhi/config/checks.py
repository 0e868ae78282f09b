"""System checks for the deployment profile: a misconfiguration is named with the setting and the fix."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.database)
def check_database_engine(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        return [
            checks.Error(
                f"不支持的数据库引擎 {engine}。",
                hint="DATABASE_URL 须为 postgres://用户@主机:端口/库名；不设置则使用内置 SQLite。",
                id="jingzhi.E001",
            )
        ]
    return []


@checks.register()
def check_redis_profile(app_configs, **kwargs):
    errors = []
    if settings.REDIS_URL and not settings.REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        errors.append(
            checks.Error(
                f"REDIS_URL 格式不正确：{settings.REDIS_URL!r}。",
                hint="例如 redis://127.0.0.1:6379/0；不设置则后台任务在进程内执行。",
                id="jingzhi.E002",
            )
        )
    return errors


@checks.register()
def check_map_tiles(app_configs, **kwargs):
    tiles = settings.JINGZHI_MAP_TILES
    if tiles not in ("none", "osm", "tianditu"):
        return [
            checks.Error(
                f"JINGZHI_MAP_TILES={tiles!r} 无效。",
                hint="可选 none（不加载底图，仍显示网格与街巷）、osm、tianditu。",
                id="jingzhi.E003",
            )
        ]
    if tiles == "tianditu" and not settings.JINGZHI_TIANDITU_KEY and not settings.JINGZHI_MAP_TILE_URL:
        return [
            checks.Error(
                "已选择天地图底图，但未设置 JINGZHI_TIANDITU_KEY。",
                hint="在天地图申请密钥后设置 JINGZHI_TIANDITU_KEY，或设 JINGZHI_MAP_TILES=none。",
                id="jingzhi.E004",
            )
        ]
    if tiles == "osm" and not settings.JINGZHI_MAP_TILE_URL:
        return [
            checks.Warning(
                "已选择 OSM 底图但未设置 JINGZHI_MAP_TILE_URL，将使用公共 OSM 瓦片服务器（需要互联网）。",
                hint="离线部署请设置本地瓦片服务地址，或设 JINGZHI_MAP_TILES=none。",
                id="jingzhi.W002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_production_profile(app_configs, **kwargs):
    warnings = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        warnings.append(
            checks.Warning(
                "生产部署仍在使用内置 SQLite。",
                hint="单个街道办可以这样运行；区级以上请设置 DATABASE_URL 使用 PostgreSQL。",
                id="jingzhi.W003",
            )
        )
    if settings.DEBUG:
        warnings.append(checks.Warning("生产部署不应开启 DEBUG。", hint="设置 DEBUG=0。", id="jingzhi.W004"))
    return warnings
