"""`jingzhi train-suggester [--enqueue]` — relearn the category suggester from this deployment's filed cases.

Run it by hand or from cron (e.g. nightly); filing also enqueues it every JINGZHI_SUGGEST_RETRAIN_EVERY
cases. With too few filed cases it trains nothing and says what is missing; keywords keep answering.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "按本系统已立案案件（描述 → 分类）训练分类推荐模型（jieba 分词 + TF-IDF + 逻辑回归）"

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="加入任务队列，由后台执行")

    def handle(self, *args, **options):
        from jingzhi.cases import suggest

        if options["enqueue"]:
            result = suggest.train_suggester.enqueue()
            self.stdout.write(f"已加入队列：{result.id}")
            return
        report = suggest.train()
        self.stdout.write(report.message)
        if report.trained:
            self.stdout.write(f"模型文件：{report.path}（训练时间 {report.trained_at}）")
        if report.skipped_categories:
            self.stdout.write(f"样本不足、仍用关键词的分类（编号: 件数）：{report.skipped_categories}")
