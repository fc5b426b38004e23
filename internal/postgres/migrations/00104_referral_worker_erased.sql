-- +goose Up
-- A referral shows whether its worker was erased. The list read it by joining workers,
-- and under row-level security (00080) every joined row paid the workers_read policy
-- (its OR of EXISTS sub-plans) for one boolean that is no personal data: the cost that
-- kept the list's RLS overhead above 10 % (issue 10 point 8, BENCHMARKS.md). The
-- referral now carries the flag itself, behind its own policy, and the list joins
-- nothing.
ALTER TABLE referrals ADD COLUMN worker_erased boolean NOT NULL DEFAULT false;
UPDATE referrals r SET worker_erased = true FROM workers w WHERE w.id = r.worker_id AND w.erased_at IS NOT NULL;

-- Erasure is one-way (workers_personal_data); the trigger marks the worker's referrals
-- when it happens. It runs with its owner's rights so that it marks every one of them,
-- whoever may see which: it writes nothing but the flag, and only as a trigger.
-- +goose StatementBegin
CREATE FUNCTION referrals_mark_worker_erased() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE referrals SET worker_erased = true WHERE worker_id = NEW.id AND NOT worker_erased;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION referrals_mark_worker_erased() FROM PUBLIC;
CREATE TRIGGER workers_erased_marks_referrals AFTER UPDATE OF erased_at ON workers
    FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
    EXECUTE FUNCTION referrals_mark_worker_erased();

-- +goose Down
DROP TRIGGER workers_erased_marks_referrals ON workers;
DROP FUNCTION referrals_mark_worker_erased();
ALTER TABLE referrals DROP COLUMN worker_erased;
