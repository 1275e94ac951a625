from celery import shared_task


@shared_task(name="profiles.rerank_rfm")
def rerank_rfm() -> int:
    from profiles.metrics import rfm_rerank

    return rfm_rerank()


@shared_task(name="profiles.prune_trait_history")
def prune_trait_history() -> int:
    from profiles.services import trait_history_prune

    return trait_history_prune()
