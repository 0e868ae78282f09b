"""`jingzhi create-token USERNAME NAME`: create an API token and print its key once."""

from django.core.management.base import BaseCommand, CommandError

from jingzhi.accounts import actions
from jingzhi.accounts.models import User
from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "为用户创建 API 令牌并只显示一次密钥 / Create an API token for a user; the key is shown once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="令牌用途，如“12345 工单同步”")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在") from None
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能为其创建令牌")
        try:
            token, key = actions.do_create_api_token(actor=None, user=user, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(
            f"已为 {user.username} 创建令牌“{token.name}”（#{token.pk}）。密钥只显示这一次，请妥善保存："
        )
        self.stdout.write(key)
