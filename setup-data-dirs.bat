@echo off
rem Create Aura's data tree on Windows (the same tree as `aura setup`).
rem Idempotent: existing folders and files are never deleted or rewritten.
rem   setup-data-dirs.bat            creates .\data (or %AURA_DATA_DIR%)
rem   setup-data-dirs.bat D:\aura    creates D:\aura
setlocal
set "ROOT=%~1"
if "%ROOT%"=="" set "ROOT=%AURA_DATA_DIR%"
if "%ROOT%"=="" set "ROOT=.\data"
for %%D in (postgres redis prometheus grafana nginx\logs visual_analysis\models visual_analysis\logs outfit_recommendation\models outfit_recommendation\logs conversational_ai\models conversational_ai\vector_store conversational_ai\logs embedded\logs) do (
  if exist "%ROOT%\%%D\" (
    rem already there
  ) else if exist "%ROOT%\%%D" (
    echo error: %ROOT%\%%D exists but is not a folder. Move it away and run again. 1>&2
    exit /b 1
  ) else (
    mkdir "%ROOT%\%%D" || exit /b 1
    echo created  %ROOT%\%%D
  )
)
echo Data tree ready at %ROOT%
endlocal
