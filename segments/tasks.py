from celery import shared_task


@shared_task(name="segments.evaluate_segment", acks_late=True)
def evaluate_segment(segment_id: int) -> int:
    """Full evaluation after a segment is created or its rule edited."""
    from segments.engine import evaluate_segment as evaluate

    return evaluate(segment_id)


@shared_task(name="segments.time_sweep", acks_late=True, ignore_result=True)
def time_sweep() -> int:
    """Flip the memberships time alone has changed (beat, every SEGMENT_TIME_SWEEP_SECONDS)."""
    from segments.engine import time_sweep as sweep

    return sweep()
