"""One SparkSession for the build (and the tests), configured for reproducible, UTC, Parquet-friendly work.

    from assistant.spark.session import spark_session
    spark = spark_session(master="local[2]", driver_memory="4g")
    spark.read.parquet("data/big-shop/events.parquet").count()

`master` is anything `spark-submit --master` takes: `local[2]` (this machine, two cores), `spark://host:7077`,
`yarn`, `k8s://...`. A second call returns the running session (Spark allows one per process).
Needs Java 17 (`apt-get install openjdk-17-jre-headless`) and pyspark.
"""
from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import warnings

log = logging.getLogger(__name__)


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing."""


def spark_session(master: str = "local[2]", driver_memory: str = "4g", shuffle_partitions: int = 8):
    """The process's SparkSession, created on first use with these settings."""
    if shutil.which("java") is None:
        raise SparkUnavailable("the Spark build needs Java 17: apt-get install openjdk-17-jre-headless "
                               "(`make system-deps` does it)")
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SparkUnavailable("the Spark build needs pyspark: pip install -e . (pinned in pyproject.toml)") from e
    # pyspark 4.x warns on every pandas conversion under pandas 3; the conversions used here are plain columns
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    log.info("starting Spark (master %s, driver memory %s)", master, driver_memory)
    spark = (SparkSession.builder.master(master).appName("shop-assistant-build")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.local.dir", tempfile.gettempdir())
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    checkpoints = tempfile.mkdtemp(prefix="spark-checkpoints-")   # ALS lineage; on a cluster: shared storage
    atexit.register(shutil.rmtree, checkpoints, True)
    spark.sparkContext.setCheckpointDir(checkpoints)
    return spark
