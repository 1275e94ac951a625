from celery import shared_task


@shared_task(name="segments.evaluate_segment", acks_late=True)
def evaluate_segment(segment_id: int) -> int:
    """Full evaluation after a segment is created or its rule edited."""
    from segments.engine import evaluate_segment as evaluate

    return evaluate(segment_id)
