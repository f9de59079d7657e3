"""A progress bar for long management commands (rebuilds, verifications)."""

BAR_WIDTH = 40


def progress_bar(label: str, done: int, total: int, unit: str) -> str:
    """One line, to be rewritten in place (it starts with a carriage return)."""
    total = max(total, done, 1)
    filled = BAR_WIDTH * done // total
    return (
        f"\r{label} [{'#' * filled}{' ' * (BAR_WIDTH - filled)}] "
        f"{100 * done // total:3d}% ({done:,} of {total:,} {unit})"
    )
