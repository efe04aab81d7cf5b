import VantageCapture
import VantageLive
import VantageWire

print("vantage")
