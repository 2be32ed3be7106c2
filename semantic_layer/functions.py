"""The functions a query may call: an allowlist, so a function DuckDB adds tomorrow is refused until
someone decides it is safe.

Allowed: arithmetic, text, date and time, conditionals, casts, aggregates, statistics and window
functions, named as the validator sees them (sqlglot's name for a function it knows, DuckDB's name
for one it does not). Not allowed, whatever else: anything that reveals the server, the session or
the user (`version()`, `current_user`, `current_query()`, `current_setting()`), changes state
(`setseed()`, `nextval()`), reads files, settings or the environment, or is random (`random()`,
`uuid()`: an answer must be reproducible).
"""

from __future__ import annotations

ALLOWED_FUNCTIONS: frozenset[str] = frozenset("""
    and or
    abs cbrt ceil exp floor ln log power round sign sqrt trunc greatest least is_inf is_nan isfinite
    lower upper length strlen concat concat_ws substring left right trim replace reverse repeat pad
    regexp_extract regexp_like regexp_replace regexp_matches starts_with ends_with contains str_position
    split split_part initcap format printf prefix suffix
    date_trunc timestamp_trunc datediff date_diff timestampdiff timestamp_diff date_add date_sub date_part datepart date_bin extract
    date date_from_parts timestamp_from_parts str_to_time time_to_str time_to_unix unix_to_time
    year quarter month week week_of_year day day_of_month day_of_week dayofweek_iso day_of_year hour
    minute second dayname monthname last_day isoyear yearweek age to_days to_hours
    current_date current_timestamp now
    case if iff coalesce nullif cast try_cast
    count count_if sum avg mean min max median mode any_value arbitrary first last arg_max arg_min
    stddev stddev_samp stddev_pop variance variance_pop corr covar_pop covar_samp regr_slope
    regr_intercept regr_r2 quantile percentile_cont percentile_disc approx_quantile approx_distinct
    logical_and logical_or group_concat array_agg product fsum kurtosis skewness entropy
    row_number rank dense_rank ntile lag lead first_value last_value nth_value percent_rank cume_dist
    array array_contains array_size
""".split())
