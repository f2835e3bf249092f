"""The smallest Streamlit page with one plotly chart: the yardstick for the Overview's first chart."""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Hello", layout="wide")
st.title("Hello")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2])), theme=None, key="hello")
