import VantageDetect

/// Renders findings for people and machines (renderers only: no analysis here).
public enum VantageReportModule {}
